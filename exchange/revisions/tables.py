"""The change counters table: one row per watched set of tables, bumped by database triggers."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ChangeCounter(SQLModel, table=True):
    """How many times (transactions on PostgreSQL, rows on SQLite) a set of tables changed.

    Maintained by triggers (migration 0002), not by the application: every writer (services,
    imports, round closes, scripts, another server process) moves it, so a cache keyed by it is
    exact across processes. ``postings`` watches ``deposits`` and ``withdrawals``.
    """

    __tablename__ = "change_counters"

    name: str = Field(primary_key=True)
    value: int = 0
