"""The audit log table: who did what, when, with the object before and after, chained by hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field


class AuditEvent(SQLModel, table=True):
    """One write: never updated, never deleted (database triggers refuse both, migration 0010).

    ``prev_hash`` is the ``hash`` of the event before it and ``hash`` covers this event's fields
    and ``prev_hash`` (``exchange.audit.chain``); both are set when the event joins the chain, at
    its transaction's commit (``exchange.audit.appending``). ``prev_hash`` is unique: two events
    can never follow the same one, so the chain cannot fork even if its lock were bypassed.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor: str
    action: str  # e.g. deposit.create, proposal.accept, round.close
    entity: str
    entity_id: str = Field(index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    prev_hash: str | None = Field(
        default=None, max_length=64, nullable=False, unique=True, index=True
    )
    hash: str | None = Field(default=None, max_length=64, nullable=False)
