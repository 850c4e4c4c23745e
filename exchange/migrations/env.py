"""Alembic environment: migrates the database the exchange is configured for.

On SQLite, some migrations rebuild a table (copy, drop, rename: SQLite's way to drop a column or
a constraint). With foreign keys enforced, dropping a table that other rows refer to fails, so
enforcement is off while migrating, as SQLite's documentation prescribes for such changes, and
``PRAGMA foreign_key_check`` must find nothing before the migration commits.

On PostgreSQL the whole upgrade is one transaction that first takes an advisory lock
(``MIGRATION_LOCK_KEY``): processes upgrading one database at once (servers started with
``--migrate``) take turns, and each reads the schema's revision only once it holds the lock, so
the first migrates and the others find nothing left to do. On SQLite the whole upgrade is one
transaction too (``transactional_ddl``: alembic's default there is a transaction per migration,
which let a second process apply a step the first had just applied), begun with ``BEGIN
IMMEDIATE``, which serialises the processes in the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import exchange.tables  # noqa: F401  (registers every table on the metadata)
from exchange.db import get_engine, make_engine
from exchange.migrate import MIGRATION_LOCK_KEY
from exchange.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = make_engine(url) if url else get_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # before any transaction begins: the pragma is a no-op inside one
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
            # SQLite's DDL is transactional, but alembic assumes not and commits each migration
            # apart: a concurrent upgrade could then apply a step another had read as pending
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:10]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
if url:
    engine.dispose()
