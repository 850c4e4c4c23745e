"""Rounds handed from ``run_round`` to a round worker in the same process, claimed and in memory.

Running a round writes its snapshot (megabytes of JSON at size M and above) to the database; a
worker would then claim the round in a transaction of its own and read the snapshot back. When a
round worker runs in the process that runs the round (``hrhx serve``, ``hrhx demo``), neither is
needed:

- **Claimed at run.** If a worker of this process is idle, ``reserve`` names it and the run's own
  update claims the round for it (``claimed_by``, a lease, the first attempt), exactly as the
  worker's claim would; once the run commits, the round waits in that worker's inbox and the
  worker is woken. The worker solves it without claiming (``next_for``). Until then it claims
  nothing else, so a round is never claimed for a worker busy elsewhere, whose lease would lapse.
- **Snapshot in memory.** The frozen scenario (and its JSON text) goes with it, keyed by the
  round's id and the version the run gave it; the database row stays the record. A worker that
  claims a round from the database takes a snapshot offered for it (``take``) when the version
  matches, else reads it.
- **Solve begun at run.** A worker that solves in a child process (``exchange.rounds.solving``)
  gives a ``begin`` hook: the run sends it the snapshot as soon as it is serialised, before the
  run's update claims the round, so the solve overlaps the rest of the run (the update, storing
  the snapshot, the audit, the commit). The worker collects the outcome once the run commits,
  and stores it only then; a run rolled back leaves a solve whose outcome is drained and dropped.

Nothing is handed over to the worker before its transaction commits, and a rolled-back run
releases its reservation. Only while a worker runs here (``worker_started``/``worker_stopped``);
at most ``MAX_WAITING`` unclaimed snapshots wait, the oldest dropped first (their rounds are read
back).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

log = logging.getLogger("hrhx.rounds")

MAX_WAITING = 2


@dataclass(frozen=True)
class Claim:
    """The local worker a run claims its round for, and the lease it takes for it."""

    worker_id: str
    lease_s: float


@dataclass(frozen=True)
class Handed:
    """A round claimed for a worker at run time: what the worker solves without claiming."""

    round_id: int
    version: int
    scenario: dict[str, Any]
    text: str
    sent: bool = False  # its solve was begun by the run (``begin``)


@dataclass
class _Worker:
    lease_s: float
    wake: Callable[[], None]
    begin: Callable[[str], bool] | None = None
    state: str = "idle"  # "idle" | "reserved" (a run is claiming for it) | "busy"
    inbox: deque[Handed] = field(default_factory=deque)


_lock = threading.Lock()
_waiting: OrderedDict[int, tuple[int, dict[str, Any], str]] = OrderedDict()
_workers = 0
_claimants: dict[str, _Worker] = {}


def worker_started(
    worker_id: str | None = None,
    *,
    lease_s: float = 30.0,
    wake: Callable[[], None] | None = None,
    begin: Callable[[str], bool] | None = None,
) -> None:
    """A round worker runs in this process from now on: snapshots may be handed to it, and with
    a ``worker_id``, rounds claimed for it at run time (``wake`` is called when one waits;
    ``begin(text)`` starts solving a snapshot's JSON text at once, True if it did)."""
    global _workers
    with _lock:
        _workers += 1
        if worker_id is not None:
            _claimants[worker_id] = _Worker(
                lease_s=lease_s, wake=wake or (lambda: None), begin=begin
            )


def worker_stopped(worker_id: str | None = None) -> None:
    """One round worker of this process stopped; with none left, nothing more is kept. Rounds
    claimed for it and not started keep their lease, which lapses: another worker takes them."""
    global _workers
    with _lock:
        _workers = max(0, _workers - 1)
        if worker_id is not None:
            _claimants.pop(worker_id, None)
        if not _workers:
            _waiting.clear()
            _claimants.clear()


def reserve(session: Session) -> Claim | None:
    """An idle worker of this process to claim a round for in ``session``'s transaction, or None.

    The worker stays reserved (it claims nothing else) until ``offer`` hands it the round at
    commit, or ``session`` rolls back.
    """
    with _lock:
        for worker_id, worker in _claimants.items():
            if worker.state == "idle":
                worker.state = "reserved"
                claim = Claim(worker_id, worker.lease_s)
                break
        else:
            return None

    def released(_session: Session, _transaction: Any) -> None:
        with _lock:
            worker = _claimants.get(claim.worker_id)
            if worker is not None and worker.state == "reserved" and not worker.inbox:
                worker.state = "idle"

    event.listen(session, "after_soft_rollback", released, once=True)
    return claim


def offer(
    session: Session,
    round_id: int,
    version: int,
    scenario: dict[str, Any],
    text: str,
    claim: Claim | None = None,
) -> None:
    """Hand ``scenario`` (round ``round_id`` at ``version``; ``text`` its JSON) over once
    ``session`` commits: to the worker of ``claim``, which the run claimed the round for (its
    solve begun now, if the worker can), or to whichever worker claims it."""
    if not _workers:
        return
    rolled_back = False
    sent = _begin(claim, text) if claim is not None else False

    def committed(_session: Session) -> None:
        with _lock:
            if rolled_back or not _workers:
                return
            worker = _claimants.get(claim.worker_id) if claim is not None else None
            if worker is not None:
                worker.inbox.append(Handed(round_id, version, scenario, text, sent))
                wakes = [worker.wake]
            else:
                _waiting[round_id] = (version, scenario, text)
                _waiting.move_to_end(round_id)
                while len(_waiting) > MAX_WAITING:
                    _waiting.popitem(last=False)
                # nobody was idle to claim it for: wake them all, so that a worker busy with
                # something else (its look for work, say) claims it when done, not a poll later
                wakes = [w.wake for w in _claimants.values()]
        for wake in wakes:
            wake()

    def cancelled(_session: Session, _transaction: Any) -> None:
        nonlocal rolled_back
        rolled_back = True

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_soft_rollback", cancelled, once=True)


def next_for(worker_id: str) -> Handed | bool:
    """What worker ``worker_id`` does next: a round claimed for it (solve it, no claim needed);
    False while a run is claiming one for it (wait to be woken); True when nothing is promised
    (it may claim from the database). Either way it is busy until ``idle``."""
    with _lock:
        worker = _claimants.get(worker_id)
        if worker is None:
            return True
        if worker.inbox:
            worker.state = "busy"
            return worker.inbox.popleft()
        if worker.state == "reserved":
            return False
        worker.state = "busy"
        return True


def idle(worker_id: str) -> None:
    """Worker ``worker_id`` finished what it was doing: rounds may be claimed for it again."""
    with _lock:
        worker = _claimants.get(worker_id)
        if worker is not None and worker.state == "busy" and not worker.inbox:
            worker.state = "idle"


def is_idle(worker_id: str) -> bool:
    """Whether worker ``worker_id`` is registered here and idle (a run would claim for it)."""
    with _lock:
        worker = _claimants.get(worker_id)
        return worker is not None and worker.state == "idle" and not worker.inbox


def take(round_id: int, version: int) -> tuple[dict[str, Any], str] | None:
    """The snapshot run as round ``round_id`` at ``version`` in this process, and its JSON text,
    if it is waiting."""
    with _lock:
        waiting = _waiting.pop(round_id, None)
    if waiting is None or waiting[0] != version:
        return None
    return waiting[1], waiting[2]


def _begin(claim: Claim, text: str) -> bool:
    """Start the solve of ``text`` in the claimed worker's process, if it solves in one and is
    free to; True if it was started."""
    with _lock:
        worker = _claimants.get(claim.worker_id)
        begin = worker.begin if worker is not None and worker.state == "reserved" else None
    if begin is None:
        return False
    try:
        return begin(text)
    except Exception:
        log.exception("could not begin the solve at run; the worker will")
        return False
