"""The audit log: recording writes (append-only; part of the caller's transaction) and reading
them back (``GET /v1/audit``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col

from exchange.audit.tables import AuditEvent
from exchange.identity.actor import Actor, require_role
from exchange.paging import page_by_id


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row for the audit log."""
    if obj is None:
        return None
    data = obj.model_dump()
    return {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in data.items()}


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
    """Add one audit event for a write, in the same unit of work as the write itself."""
    event = AuditEvent(
        actor=actor.name if actor.user_id is None else f"{actor.name}#{actor.user_id}",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(event)
    return event


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
