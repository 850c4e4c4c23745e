"""A read engine for GET requests on SQLite.

The exchange's SQLite engine begins every transaction with ``BEGIN IMMEDIATE`` (taking the write
lock, so that read-then-write transactions serialise instead of failing). For requests that only
read, that would serialise every GET behind every other request; WAL mode lets readers run
concurrently with a deferred ``BEGIN``. On other databases the read engine is the engine itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from exchange.db import JSON_CODEC


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_read_engine(engine: Engine) -> Engine:
    """An engine for read-only requests on the same database as ``engine``."""
    if engine.dialect.name != "sqlite":
        return engine
    url = engine.url.render_as_string(hide_password=False)
    read = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC
    )
    event.listen(read, "connect", _on_connect)
    event.listen(read, "begin", _on_begin)
    return read
