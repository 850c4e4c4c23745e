"""WAL checkpoints of the embedded SQLite database, in a background thread instead of in commits.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an fsync) from
inside whichever commit pushes the log past ``wal_autocheckpoint`` pages. A round writes megabytes
(its snapshot, result and proposals), so some commits, and the requests or rounds that made them,
paid for the checkpoint. Here a thread per engine runs a PASSIVE checkpoint (it never blocks
readers or writers) twice a second; SQLite releases the GIL while it works, so the copy runs beside
the requests. The automatic checkpoint stays on at a higher threshold as a safety net, should the
thread fall behind.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("hrhx.db")

INTERVAL_S = 0.5
SAFETY_NET_PAGES = 10_000
"""``wal_autocheckpoint`` while the thread runs (40 MB of log at the default page size)."""


class WalCheckpointer:
    """Checkpoints the WAL of one SQLite database file every ``interval_s`` until stopped."""

    def __init__(self, database: Path, interval_s: float = INTERVAL_S) -> None:
        self.database = database
        self.interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hrhx-wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the checkpoint under way, if any."""
        self._stopped.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stopped.wait(self.interval_s):
                try:
                    if connection is None:  # mode=rw: never create a file that is not there
                        uri = f"{self.database.resolve().as_uri()}?mode=rw"
                        connection = sqlite3.connect(uri, uri=True, timeout=5)
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as error:
                    log.debug("WAL checkpoint of %s skipped: %s", self.database, error)
        finally:
            if connection is not None:
                connection.close()
