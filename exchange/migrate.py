"""Schema migrations as functions: upgrade to head, downgrade, and the schema a database is at
(wraps alembic).

A server must not run on a schema other than the one its code was written for: ``schema_state``
says where a database stands and ``require_current_schema`` refuses anything but the head, with the
command that fixes it. Upgrades may be started by several processes at once (servers started with
``--migrate`` against one PostgreSQL database): ``env.py`` serialises them with an advisory lock,
so the first migrates and the others find the schema current.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from exchange.db import describe_database, get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

MIGRATION_LOCK_KEY = 0x6872_6878_6462  # "hrhxdb": the PostgreSQL advisory lock of an upgrade


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not the one this code needs (the message says what to run)."""


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


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision of this code's migrations: the schema it is written for."""
    head = _scripts().get_current_head()
    assert head is not None, "the migrations have no head"
    return head


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against this code's migrations."""

    database: str
    revision: str | None  # None: never migrated
    head: str

    @property
    def current(self) -> bool:
        return self.revision == self.head

    @property
    def upgradable(self) -> bool:
        """Whether an upgrade can bring it to the head (not when a newer hrhx migrated it)."""
        return self.revision is None or _known(self.revision)

    def advice(self) -> str | None:
        """What is wrong and the command that fixes it; None when the schema is current."""
        if self.current:
            return None
        if self.revision is None:
            return (
                f"the database {self.database} has no hrhx schema yet: run `hrhx db upgrade` "
                "(or start the server with `hrhx serve --migrate`)"
            )
        if not _known(self.revision):
            return (
                f"the database {self.database} is at schema revision {self.revision}, which this "
                f"version of hrhx does not know (it needs {self.head}): the database was migrated "
                "by a newer hrhx; run that version, or let it take the database back to this "
                f"one's schema first (`hrhx db downgrade {self.head}`)"
            )
        return (
            f"the database {self.database} is at schema revision {self.revision}, older than the "
            f"{self.head} this version of hrhx needs: run `hrhx db upgrade`"
        )


def schema_state(engine: Engine | None = None) -> SchemaState:
    """The schema revision of ``engine``'s database (or the configured one) against the head."""
    engine = engine or get_engine()
    return SchemaState(
        database=describe_database(engine),
        revision=current_revision(engine),
        head=head_revision(),
    )


def require_current_schema(engine: Engine | None = None) -> None:
    """Raise ``SchemaNotCurrent`` unless the database is at this code's head revision."""
    advice = schema_state(engine).advice()
    if advice is not None:
        raise SchemaNotCurrent(advice)
