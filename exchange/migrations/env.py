"""Alembic environment: migrates the database the exchange is configured for."""

from __future__ import annotations

from alembic import context

import exchange.tables  # noqa: F401  (registers every table on the metadata)
from exchange.db import get_engine, make_engine
from exchange.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = make_engine(url) if url else get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
if url:
    engine.dispose()
