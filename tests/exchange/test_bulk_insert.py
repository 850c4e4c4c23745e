"""``insert_many`` stores values exactly as the ORM does (timestamps included), on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.audit.tables import AuditEvent
from exchange.db import driver_value, insert_many

AT = datetime(2026, 11, 23, 12, 30, 15, 123456, tzinfo=UTC)


def test_insert_many_matches_the_orm(engine: Engine) -> None:
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        session.add(
            AuditEvent(
                at=AT, actor="orm", action="a", entity="e", entity_id="1", prev_hash="0", hash="1"
            )
        )
        connection = session.connection()
        at = driver_value(connection, table, "at", AT)
        insert_many(
            connection,
            table,
            ("at", "actor", "action", "entity", "entity_id", "prev_hash", "hash"),
            [(at, "bulk", "a", "e", "1", "1", "2"), (at, "bulk", "a", "e", "2", "2", "3")],
        )
        session.commit()
    with Session(engine) as session:
        raw = session.connection().exec_driver_sql("SELECT actor, at FROM audit_events").all()
        stored = dict(raw)
        assert stored["bulk"] == stored["orm"]  # the same text (SQLite) or value (PostgreSQL)
        events = session.exec(select(AuditEvent).order_by(AuditEvent.entity_id)).all()
        assert len(events) == 3
        assert {e.at for e in events} == {AT}
    with engine.connect() as connection:
        insert_many(connection, table, ("actor",), [])  # nothing to insert: no statement
