"""Time helpers: every timestamp the exchange stores is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite hands back naive ones)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def current_month() -> str:
    """This month as ``YYYY-MM``."""
    return utcnow().strftime("%Y-%m")


def created_at_field() -> Any:
    """A ``created_at`` column filled at insert."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def timestamp_field(nullable: bool = True) -> Any:
    """An optional timestamp column."""
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)
