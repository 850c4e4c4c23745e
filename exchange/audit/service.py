"""Recording writes in the audit log (append-only; part of the caller's transaction)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel

from exchange.audit.tables import AuditEvent
from exchange.identity.actor import Actor


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
