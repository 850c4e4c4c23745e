"""A throwaway database for one engine of a benchmark run.

``scratch_database("sqlite", workdir, pg_url, label)`` yields the URL of a new SQLite file in
``workdir``; ``scratch_database("postgresql", ...)`` creates a database named after ``label`` on
the server of ``pg_url`` and drops it afterwards (``WITH (FORCE)``: a killed server's sessions may
linger), so that no benchmark leaves a database behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(engine: str, workdir: Path, pg_url: str, label: str) -> Iterator[str]:
    """The URL of a fresh, empty database of ``engine`` ("sqlite" or "postgresql")."""
    if engine == "sqlite":
        yield f"sqlite:///{workdir}/{label}.sqlite3"
        return
    admin = create_engine(
        make_url(pg_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    name = f"hrhx_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
