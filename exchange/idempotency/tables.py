"""The idempotency keys table, scoped to the caller."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field


class IdempotencyKey(SQLModel, table=True):
    """The first request made with a key, and its response once it is known."""

    __tablename__ = "idempotency_keys"

    scope: str = Field(primary_key=True, max_length=200)  # the caller (user id) and the route
    key: str = Field(primary_key=True, max_length=200)
    body_hash: str
    state: str = "in_progress"  # in_progress | done
    response_status: int | None = None
    response_body: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # the headers that describe the object (ETag, Location), so that a replay is the first answer
    response_headers: dict[str, str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = created_at_field()
