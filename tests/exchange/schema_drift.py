"""What differs between a migrated database and the models, as alembic's autogenerate sees it."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from exchange.proposals.tables import KEYS_CHECKED_BY_TRIGGERS
from exchange.tables import metadata


def drift(connection: Connection) -> list[Any]:
    """The differences, less the proposals' foreign keys that PostgreSQL enforces by triggers
    (migration 0009): the models declare them, for SQLite and for readers."""
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    if connection.dialect.name != "postgresql":
        return differences
    return [d for d in differences if not _key_checked_by_triggers(d)]


def _key_checked_by_triggers(difference: Any) -> bool:
    if not (isinstance(difference, tuple) and difference[0] == "add_fk"):
        return False
    key = difference[1]
    columns = [c.name for c in key.columns]
    return (
        key.table.name == "proposals"
        and len(columns) == 1
        and columns[0] in KEYS_CHECKED_BY_TRIGGERS
    )
