"""Database engine and sessions: one place that knows how to connect.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout so that
concurrent writers queue instead of failing, its log checkpointed in the background
(``exchange.checkpoints``); PostgreSQL is used as configured. ``session_scope`` is the single
transaction boundary: it commits on success and rolls back on error, services only flush.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Table, event
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, create_engine

from exchange.checkpoints import SAFETY_NET_PAGES, WalCheckpointer
from exchange.config import get_settings
from exchange.errors import Conflict


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN so that BEGIN IMMEDIATE works.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints run in a background thread (exchange.checkpoints); this is its safety net.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Take the write lock at the start of every transaction: read-then-write transactions
    # (accepting a proposal, closing a round) then serialise instead of failing with SQLITE_BUSY.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def json_dumps(value: Any) -> str:
    """``value`` as JSON text, as the exchange stores it (orjson; keys need not be strings)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


json_loads = orjson.loads
"""JSON text (or bytes) as Python values."""

JSON_CODEC: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": json_loads}
"""JSON columns (a round's snapshot and result are megabytes) go through orjson, several times
faster than the standard library's encoder and decoder; the stored text is the same JSON."""


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the exchange's connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        on_disk = bool(database) and database != ":memory:"
        if on_disk:
            Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        if on_disk:  # (an in-memory database has no log to checkpoint)
            checkpointer = WalCheckpointer(Path(str(database)))
            checkpointer.start()
            event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **JSON_CODEC)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().effective_database_url)


def reset_engine() -> None:
    """Forget the cached engine (after the settings changed, in tests and the CLI)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def created_once(what: str) -> Iterator[None]:
    """Insert ``what`` whose key was just checked to be free: if a concurrent request inserted the
    same key in between (PostgreSQL waits for it, then refuses with a unique violation), the
    answer is the same ``Conflict`` as when the key was taken before, not a 500."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict(f"{what} already exists (created by a concurrent request)") from error


@contextmanager
def consistent_reads(session: Session) -> Iterator[Session]:
    """A session whose reads all see the database as of one instant (a snapshot built from several
    queries, such as a round's).

    PostgreSQL's default isolation, READ COMMITTED, gives each statement its own view: a round
    closing between two queries would leave the first one's rows before the close and the
    second's after it. There the reads run in a transaction of their own, REPEATABLE READ and READ
    ONLY (it never waits for, nor blocks, a writer). SQLite's transactions take the database's
    write lock as they begin (``BEGIN IMMEDIATE``), so nothing changes under ``session``, which is
    used as is.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        yield session
        return
    with Session(bind, expire_on_commit=False) as reader:
        reader.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        try:
            yield reader
        finally:
            reader.rollback()  # it only read


def describe_database(engine: Engine | None = None) -> str:
    """The database in use, without its password (for ``/healthz`` and logs)."""
    return (engine or get_engine()).url.render_as_string(hide_password=True)


def insert_many(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) in bulk, in the current transaction.

    For bulk writes of plain values (a round's proposals): SQLAlchemy's own executemany runs each
    value of each row through its type machinery, which costs more than the database's work.
    PostgreSQL gets the rows by ``COPY`` (one statement, instead of one per row), in the binary
    format when every column is of a plain type (``BINARY_COPY_TYPES``: the driver then encodes
    timestamps and numbers without formatting them as text, and the server reads them without
    parsing); SQLite by the driver's ``executemany``. Values must already be what the driver
    takes: strings, numbers, None, and timestamps passed through ``driver_value``.
    """
    if not rows:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":
        types = _copy_types(table, tuple(columns), dialect)
        options = " (FORMAT BINARY)" if types else ""
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN{options}") as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({placeholders})"
    connection.exec_driver_sql(sql, list(rows))


BINARY_COPY_TYPES = frozenset(
    {"integer", "bigint", "smallint", "varchar", "text", "boolean", "timestamp with time zone"}
)
"""PostgreSQL types ``insert_many`` sends in COPY's binary format (the driver's values for them
are plain Python values)."""


@lru_cache(maxsize=64)
def _copy_types(table: Table, columns: tuple[str, ...], dialect: Dialect) -> list[str] | None:
    """The PostgreSQL types of ``columns`` for a binary COPY, or None if one is not plain."""
    names = [
        re.sub(r"\(.*\)$", "", table.c[c].type.compile(dialect=dialect)).lower() for c in columns
    ]
    return names if all(name in BINARY_COPY_TYPES for name in names) else None


def driver_value(connection: Connection, table: Table, column: str, value: Any) -> Any:
    """``value`` as SQLAlchemy hands it to the driver for ``table.column`` (see ``insert_many``)."""
    dialect = connection.dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value
