"""Shared test fixtures: a migrated database on every engine under test, emptied before each test.

``HRHX_TEST_DATABASES`` (default ``sqlite,postgresql``) says which engines the database tests run
on; ``HRHX_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) is the server used
to create one fresh PostgreSQL database per test process. Tests that take the ``engine`` fixture
(or ``session``) run once per engine and are marked ``db``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from exchange.audit.guard import install_guard, remove_guard
from exchange.db import make_engine
from exchange.migrate import upgrade
from exchange.tables import metadata

PG_ADMIN_URL = os.environ.get("HRHX_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = [e.strip() for e in os.environ.get("HRHX_TEST_DATABASES", "sqlite,postgresql").split(",")]


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _create_pg_database() -> str:
    """A fresh, empty PostgreSQL database for this test process; returns its URL."""
    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    name = f"hrhx_test_{_worker_id()}_{uuid.uuid4().hex[:6]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin_engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of a migrated database of one engine, shared by this process's tests."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "hrhx.sqlite3"
        url = f"sqlite:///{path.as_posix()}"
        upgrade(url)
        yield url
    elif request.param == "postgresql":
        url = _create_pg_database()
        upgrade(url)
        yield url
        _drop_pg_database(url)
    else:  # pragma: no cover - configuration error
        raise ValueError(f"unknown engine {request.param!r} in HRHX_TEST_DATABASES")


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new database with nothing in it (not even the schema), on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'empty.sqlite3').as_posix()}"
        return
    url = _create_pg_database()
    yield url
    _drop_pg_database(url)


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    """An engine on ``empty_url``."""
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_database(engine: Engine) -> None:
    """Delete every row of every table (the schema stays), children first; the audit log too,
    with its append-only triggers lifted for the moment (SQLite; PostgreSQL's TRUNCATE passes)."""
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            remove_guard(conn)
            for table in tables:
                conn.execute(table.delete())
            install_guard(conn)


@pytest.fixture
def engine(_shared_engine: Engine) -> Engine:
    """A migrated, empty database (on each engine under test)."""
    empty_database(_shared_engine)
    return _shared_engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on an empty database; the test commits what it wants to keep."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"database_url", "empty_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
