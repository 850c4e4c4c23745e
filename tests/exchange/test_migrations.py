"""Migrations build the whole schema from an empty database, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from exchange.db import make_engine
from exchange.migrate import current_revision, downgrade, upgrade
from exchange.tables import metadata


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= names
        assert current_revision(engine) is not None
    finally:
        engine.dispose()


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    downgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert not set(metadata.tables) & set(inspect(engine).get_table_names())
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    """No drift between the models and the migrations (tables, columns, indexes, keys)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            diff = compare_metadata(context, metadata)
        assert diff == []
    finally:
        engine.dispose()
