"""The audit log's hash chain: events join it at commit, in order; rolled-back events never do;
the database refuses UPDATE and DELETE; a tampered row is found by the check; concurrent writers
on PostgreSQL never fork it; migration 0010 chains the events that were there before."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from exchange.audit.chain import GENESIS, check_chain, event_hash
from exchange.audit.guard import install_guard, remove_guard
from exchange.audit.service import record, record_system_event, verify_chain
from exchange.audit.tables import AuditEvent
from exchange.db import make_engine
from exchange.identity.actor import Actor
from exchange.migrate import downgrade, upgrade

ANA = Actor(user_id=7, name="ana", role="admin")
AT = datetime(2026, 12, 2, 16, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str = ""
    hash: str = ""


def chained(n: int) -> list[Event]:
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        e = Event(i, AT, "ana#7", "deposit.update", "deposit", f"d{i}", {"count": i}, None)
        e = replace(e, prev_hash=prev, hash=event_hash(e, prev))
        events.append(e)
        prev = e.hash
    return events


# ---------------------------------------------------------------- the check, without a database


def test_an_intact_chain_and_an_empty_one() -> None:
    report = check_chain(chained(5))
    assert report.intact
    assert report.events == 5
    assert report.head == chained(5)[-1].hash
    empty = check_chain([])
    assert empty.intact
    assert empty.events == 0
    assert empty.head == GENESIS


@given(n=st.integers(2, 12), data=st.data())
def test_any_change_deletion_or_swap_is_found_at_the_first_event_it_touches(
    n: int, data: st.DataObject
) -> None:
    events = chained(n)
    i = data.draw(st.integers(0, n - 1))
    kind = data.draw(st.sampled_from(["change", "delete", "swap", "rehash"]))
    tampered = list(events)
    if kind == "change":
        tampered[i] = replace(events[i], after={"count": -1})
        expected = events[i].id
    elif kind == "rehash":  # changed and its own hash recomputed: the next link breaks
        changed = replace(events[i], actor="mallory")
        tampered[i] = replace(changed, hash=event_hash(changed, changed.prev_hash))
        expected = events[i + 1].id if i + 1 < n else None
    elif kind == "delete":
        del tampered[i]
        expected = events[i + 1].id if i + 1 < n else None  # the newest: only the head shows it
    else:
        j = min(i + 1, n - 1)
        if j == i:
            i, j = i - 1, i
        tampered[i], tampered[j] = tampered[j], tampered[i]
        expected = tampered[i].id
    report = check_chain(tampered)
    if expected is None:
        assert report.intact
        assert report.head != events[-1].hash
    else:
        assert report.first_break is not None
        assert report.first_break.id == expected


def test_the_hash_covers_the_canonical_json() -> None:
    e = chained(1)[0]
    assert event_hash(e, GENESIS) == event_hash(replace(e, at=AT.astimezone()), GENESIS)
    assert event_hash(e, GENESIS) != event_hash(e, "1" * 64)
    assert event_hash(e, GENESIS) != event_hash(replace(e, before={"count": 1.0}), GENESIS)


# ---------------------------------------------------------------- on each engine


def events_of(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


def test_events_join_the_chain_at_commit_in_the_order_recorded(engine: Engine) -> None:
    with Session(engine) as session:
        for i in range(3):
            record(session=session, actor=ANA, action="a.x", entity="deposit", entity_id=i)
        assert not session.exec(select(AuditEvent)).all()  # nothing before the commit
        session.commit()
    with Session(engine) as session:
        record(session=session, actor=ANA, action="a.y", entity="deposit", entity_id=3)
        session.commit()
    events = events_of(engine)
    assert [e.entity_id for e in events] == ["0", "1", "2", "3"]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    with Session(engine) as session:
        report = verify_chain(session=session)
    assert report.intact
    assert report.events == 4
    assert report.head == events[-1].hash


def test_rolled_back_events_never_join(engine: Engine) -> None:
    with Session(engine) as session:
        record(session=session, actor=ANA, action="gone", entity="deposit", entity_id=1)
        session.rollback()
        record(session=session, actor=ANA, action="kept", entity="deposit", entity_id=2)
        savepoint = session.begin_nested()
        record(session=session, actor=ANA, action="in.savepoint", entity="deposit", entity_id=3)
        savepoint.rollback()
        with session.begin_nested():
            record(session=session, actor=ANA, action="saved", entity="deposit", entity_id=4)
        session.commit()
    with Session(engine) as session:
        record(session=session, actor=ANA, action="closed", entity="deposit", entity_id=5)
        session.close()
    assert [e.action for e in events_of(engine)] == ["kept", "saved"]


def test_system_events_name_the_exchange_as_actor(engine: Engine) -> None:
    with Session(engine) as session:
        record_system_event(
            session=session,
            action="round.failed",
            entity="round",
            entity_id=12,
            before={"status": "running"},
            after={"status": "failed", "reason": "too large"},
        )
        session.commit()
    (event,) = events_of(engine)
    assert (event.actor, event.action, event.entity, event.entity_id) == (
        "system",
        "round.failed",
        "round",
        "12",
    )
    assert event.after == {"status": "failed", "reason": "too large"}
    with Session(engine) as session:
        assert verify_chain(session=session).intact


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"],
)
def test_the_database_refuses_updates_and_deletes(engine: Engine, statement: str) -> None:
    with Session(engine) as session:
        record(session=session, actor=ANA, action="a", entity="deposit", entity_id=1)
        session.commit()
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert [e.actor for e in events_of(engine)] == ["ana#7"]


def tamper(engine: Engine, statement: str) -> None:
    """Run ``statement`` with the triggers lifted, as an attacker with DDL rights could."""
    with engine.begin() as connection:
        remove_guard(connection)
        connection.execute(text(statement))
        install_guard(connection)


@pytest.mark.parametrize(
    ("statement", "broken"),
    [
        ("UPDATE audit_events SET after = NULL WHERE entity_id = '2'", "2"),
        ("DELETE FROM audit_events WHERE entity_id = '2'", "3"),
        ("UPDATE audit_events SET actor = 'mallory' WHERE entity_id = '4'", "4"),
    ],
)
def test_verify_finds_the_first_tampered_event(engine: Engine, statement: str, broken: str) -> None:
    with Session(engine) as session:
        for i in range(1, 6):
            record(
                session=session,
                actor=ANA,
                action="deposit.update",
                entity="deposit",
                entity_id=i,
                after={"count": i},
            )
        session.commit()
    ids = {e.entity_id: e.id for e in events_of(engine)}
    tamper(engine, statement)
    with Session(engine) as session:
        report = verify_chain(session=session)
    assert report.first_break is not None
    assert report.first_break.id == ids[broken]


def test_concurrent_writers_never_fork_the_chain(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    writers, commits, per_commit = 8, 10, 3
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for c in range(commits):
                with Session(engine) as session:
                    for k in range(per_commit):
                        record(
                            session=session,
                            actor=ANA,
                            action="race",
                            entity="deposit",
                            entity_id=f"{n}-{c}-{k}",
                        )
                    session.commit()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Session(engine) as session:
        report = verify_chain(session=session)
    assert report.intact, report.first_break
    assert report.events == writers * commits * per_commit
    events = events_of(engine)
    for n in range(writers):  # each commit's events are consecutive, in the order recorded
        for c in range(commits):
            mine = [i for i, e in enumerate(events) if e.entity_id.startswith(f"{n}-{c}-")]
            assert mine == list(range(mine[0], mine[0] + per_commit))


def test_migration_0010_chains_existing_events_and_its_downgrade_lifts_the_guard(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0009")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for i in range(3):
                connection.execute(
                    text(
                        "INSERT INTO audit_events (at, actor, action, entity, entity_id, after) "
                        "VALUES (:at, 'ana#7', 'deposit.create', 'deposit', :id, :after)"
                    ),
                    {"at": AT, "id": str(i), "after": '{"count": 12, "note": "né"}'},
                )
        upgrade(empty_url)
        with Session(engine) as session:
            report = verify_chain(session=session)
            assert report.intact
            assert report.events == 3
            record(session=session, actor=ANA, action="after", entity="deposit", entity_id=9)
            session.commit()
        with Session(engine) as session:
            assert verify_chain(session=session).intact
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
        engine.dispose()
        downgrade(empty_url, "0009")
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()
