"""The audit log: recording writes (append-only, hash-chained, part of the caller's transaction),
reading them back (``GET /v1/audit``) and checking the chain (``GET /v1/audit/verify``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col

from exchange.audit.appending import queue_event
from exchange.audit.chain import ChainReport, check_chain
from exchange.audit.tables import AuditEvent
from exchange.db import json_dumps, json_loads
from exchange.identity.actor import SYSTEM, Actor, require_role
from exchange.paging import page_by_id

VERIFY_BATCH = 1000
"""Events read per round trip while checking the chain."""


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row for the audit log."""
    if obj is None:
        return None
    data = obj.model_dump()
    return {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in data.items()}


def _as_stored(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``value`` as the JSON column gives it back, so the hash covers what is stored."""
    if value is None:
        return None
    stored: dict[str, Any] = json_loads(json_dumps(value))
    return stored


def actor_label(actor: Actor) -> str:
    """The actor as recorded: ``name#user_id``, or ``system`` for the exchange itself."""
    return actor.name if actor.user_id is None else f"{actor.name}#{actor.user_id}"


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event for a write, in the same unit of work as the write itself: it joins
    the hash chain when the transaction commits, and vanishes if it rolls back."""
    event = AuditEvent(
        actor=actor_label(actor),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=_as_stored(before),
        after=_as_stored(after),
    )
    queue_event(session, event)
    return event


def record_system_event(
    *,
    session: Session,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit a write the exchange makes by itself (a round's proposals stored, a round failed,
    proposals expired) with the actor ``system``; in the caller's transaction, like ``record``."""
    return record(
        session=session,
        actor=SYSTEM,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )


def list_events(
    *,
    session: Session,
    actor: Actor,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    by: str | None = None,
    after: int | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """A page of the audit log, oldest first, and the number of events matching the filters;
    planners and admins (it holds every country's objects before and after each write).

    ``after`` keeps events with a greater id, so a client can follow the log by passing the last
    id it has seen.
    """
    require_role(actor, "planner")
    conditions: list[Any] = []
    if entity is not None:
        conditions.append(col(AuditEvent.entity) == entity)
    if entity_id is not None:
        conditions.append(col(AuditEvent.entity_id) == entity_id)
    if action is not None:
        conditions.append(col(AuditEvent.action) == action)
    if by is not None:
        conditions.append(col(AuditEvent.actor) == by)
    if after is not None:
        conditions.append(col(AuditEvent.id) > after)
    return page_by_id(session, AuditEvent, conditions, limit=limit, offset=offset)


def verify_chain(*, session: Session) -> ChainReport:
    """Check the whole chain, oldest first: the first event whose link breaks, or none."""
    columns = AuditEvent.__table__.c  # type: ignore[attr-defined]
    statement = sa_select(columns).order_by(columns.id).execution_options(yield_per=VERIFY_BATCH)
    rows = session.connection().execute(statement)
    return check_chain(rows)


def verify_chain_as(*, session: Session, actor: Actor) -> ChainReport:
    """``verify_chain`` for an admin (``GET /v1/audit/verify``)."""
    require_role(actor, "admin")
    return verify_chain(session=session)
