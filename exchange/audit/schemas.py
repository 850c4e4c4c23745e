"""The public shape of audit events, for ``GET /v1/audit``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlmodel import SQLModel

Entity = Literal[
    "agreement",
    "country",
    "deposit",
    "placement",
    "proposal",
    "round",
    "user",
    "withdrawal",
    "workforce",
]
"""The kinds of object the exchange records writes of."""


class AuditEventPublic(SQLModel):
    """One write: who (``actor``: user name and id), when, what, and the object before and after
    (null for a creation's before and a deletion's after)."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditEventsPublic(SQLModel):
    """A page of audit events, oldest first, and how many match the filters."""

    data: list[AuditEventPublic]
    count: int


class ChainBreakPublic(SQLModel):
    """The first event whose link fails: its id, and why."""

    id: int
    reason: str


class AuditVerificationPublic(SQLModel):
    """The check of the whole hash chain: ``intact`` when no link breaks; else ``first_break``.
    ``head`` is the newest event's hash (64 zeros for an empty log): noted and compared later, it
    shows the newest events deleted, which no link can."""

    intact: bool
    events: int
    first_break: ChainBreakPublic | None
    head: str
