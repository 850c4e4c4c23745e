"""Time helpers: every timestamp the exchange stores is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite hands back naive ones)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp column that reads back as aware UTC on every engine.

    PostgreSQL keeps the offset; SQLite stores text without it, so values read from SQLite are
    marked UTC here (they were written as UTC) and every API response carries the offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def current_month() -> str:
    """This month as ``YYYY-MM``."""
    return utcnow().strftime("%Y-%m")


def created_at_field() -> Any:
    """A ``created_at`` column filled at insert."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def timestamp_field(nullable: bool = True) -> Any:
    """An optional timestamp column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)
