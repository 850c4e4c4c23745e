"""The embedded SQLite database's log is checkpointed by a background thread, not by commits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from exchange.db import make_engine

THREAD = "hrhx-wal-checkpoint"


def _checkpointers() -> int:
    return sum(1 for t in threading.enumerate() if t.name == THREAD and t.is_alive())


def test_the_log_reaches_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    before = _checkpointers()
    engine = make_engine(f"sqlite:///{path.as_posix()}")
    try:
        assert _checkpointers() == before + 1
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
        with engine.begin() as conn:
            # about 50 pages: far below the automatic checkpoint's threshold of 10,000
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", ("x" * 200_000,))
        deadline = time.monotonic() + 10
        while path.stat().st_size < 200_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= 200_000  # copied from the log into the database file
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
    finally:
        engine.dispose()
    assert _checkpointers() == before


def test_an_in_memory_database_has_no_checkpointer() -> None:
    before = _checkpointers()
    engine = make_engine("sqlite://")
    try:
        assert _checkpointers() == before
    finally:
        engine.dispose()
