"""Schema migrations as functions: upgrade to head, downgrade, current revision (wraps alembic)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from exchange.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An alembic configuration for the exchange's migrations, on ``url`` or the configured DB."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Migrate the database down to ``revision``."""
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine | None = None) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with (engine or get_engine()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
