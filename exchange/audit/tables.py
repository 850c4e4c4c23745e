"""The audit log table: who did what, when, with the object before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field


class AuditEvent(SQLModel, table=True):
    """One write: never updated, never deleted."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor: str
    action: str  # e.g. deposit.create, proposal.accept, round.close
    entity: str
    entity_id: str = Field(index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
