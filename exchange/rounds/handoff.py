"""Snapshots handed from ``run_round`` to a round worker in the same process.

Running a round writes its snapshot (megabytes of JSON at size M and above) to the database; the
worker that then claims the round would read it back and decode it. When the worker runs in the
process that ran the round (``hrhx serve``, ``hrhx demo``), the snapshot is handed over in memory
instead, keyed by the round's id and the version the run gave it; the database row stays the
record, and the worker reads it whenever the handoff does not match (another process ran the
round, or it was run again since).

A snapshot is offered only once its transaction has committed (never if it rolls back), and only
while a round worker runs in this process (``worker_started``/``worker_stopped``); at most
``MAX_WAITING`` wait, the oldest dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

MAX_WAITING = 2

_lock = threading.Lock()
_waiting: OrderedDict[int, tuple[int, dict[str, Any]]] = OrderedDict()
_workers = 0


def worker_started() -> None:
    """A round worker runs in this process from now on: snapshots may be handed to it."""
    global _workers
    with _lock:
        _workers += 1


def worker_stopped() -> None:
    """One round worker of this process stopped; with none left, nothing more is kept."""
    global _workers
    with _lock:
        _workers = max(0, _workers - 1)
        if not _workers:
            _waiting.clear()


def offer(session: Session, round_id: int, version: int, scenario: dict[str, Any]) -> None:
    """Hand ``scenario`` (round ``round_id`` at ``version``) over once ``session`` commits."""
    if not _workers:
        return
    rolled_back = False

    def committed(_session: Session) -> None:
        with _lock:
            if rolled_back or not _workers:
                return
            _waiting[round_id] = (version, scenario)
            _waiting.move_to_end(round_id)
            while len(_waiting) > MAX_WAITING:
                _waiting.popitem(last=False)

    def cancelled(_session: Session, _transaction: Any) -> None:
        nonlocal rolled_back
        rolled_back = True

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_soft_rollback", cancelled, once=True)


def take(round_id: int, version: int) -> dict[str, Any] | None:
    """The snapshot run as round ``round_id`` at ``version`` in this process, if it is waiting."""
    with _lock:
        waiting = _waiting.pop(round_id, None)
    if waiting is None or waiting[0] != version:
        return None
    return waiting[1]
