"""The round worker: takes jobs from the queue (``exchange.rounds.jobs``), solves them outside any
request, and stores each outcome (``exchange.rounds.outcome``).

A server's ``RoundWorker`` is a thread that polls the queue, and is woken at once when a round is
run in its process (after the run committed). It solves in a child process of its own
(``exchange.rounds.solver_process``) so that requests keep their speed during a long solve;
``process_next`` and ``process_all`` (tests, the demo, the command line) solve in the calling
thread.
"""

from __future__ import annotations

import gc
import importlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

import solver
from exchange.config import get_settings
from exchange.db import json_loads, session_scope
from exchange.rounds import documents, jobs
from exchange.rounds.deadlines import expire_overdue
from exchange.rounds.events import event_row, insert_events
from exchange.rounds.jobs import DEFAULT_LEASE_S, DEFAULT_MAX_ATTEMPTS, Lease, new_worker_id
from exchange.rounds.outcome import store_failed, store_proposed
from exchange.rounds.solver_process import SolverProcess
from exchange.rounds.solving import SolverShutDown, solve_here

log = logging.getLogger("hrhx.rounds")

__all__ = ["RoundWorker", "new_worker_id", "process_all", "process_next", "solve_claimed"]


class Progress:
    """The solver's ``on_progress``: stores events in batches, at most one write per 0.2 s.

    Consecutive events of one tier within a batch collapse into the latest; a tier change is kept,
    so the stream shows every tier's last incumbent and bound. The events left at the end go in
    with the outcome, in its transaction (``take``).
    """

    INTERVAL_S = 0.2

    def __init__(self, engine: Engine, round_id: int) -> None:
        self.engine = engine
        self.round_id = round_id
        self.last_write = time.monotonic()  # the first write comes after one interval
        self.buffer: list[solver.ProgressEvent] = []

    def __call__(self, event: solver.ProgressEvent) -> None:
        if self.buffer and self.buffer[-1].tier_name == event.tier_name:
            self.buffer[-1] = event
        else:
            self.buffer.append(event)
        if time.monotonic() - self.last_write >= self.INTERVAL_S:
            self.flush()

    def take(self) -> list[dict[str, Any]]:
        """The buffered events as rows to insert (the buffer is emptied)."""
        events, self.buffer = self.buffer, []
        return [
            event_row(
                self.round_id,
                "progress",
                tier=event.tier_name,
                incumbent=event.incumbent,
                bound=event.bound,
                elapsed_s=round(event.elapsed, 4),
            )
            for event in events
        ]

    def flush(self) -> None:
        """Write the buffered events (best effort: the solve goes on if the write fails)."""
        self.last_write = time.monotonic()
        rows = self.take()
        if not rows:
            return
        try:
            with session_scope(self.engine) as session:
                insert_events(session, rows)
        except Exception:
            log.exception("could not store progress of round %s", self.round_id)


def solve_claimed(
    engine: Engine,
    lease: Lease,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    solver_process: SolverProcess | None = None,
) -> str:
    """Solve a round this worker claimed and store the outcome; the round's new status
    (``lost`` if the claim went to another worker meanwhile, ``abandoned`` if the server stops).
    With a ``solver_process`` the solve runs there, else in this thread."""
    with session_scope(engine) as session:
        text = documents.get_text(session, lease.round_id, "scenario")
    if text is None:
        return store_failed(engine, lease, "no frozen snapshot")
    scenario: dict[str, Any] = json_loads(text)
    progress = Progress(engine, lease.round_id)
    heartbeat = jobs.Heartbeat(engine, lease, lease_s)
    heartbeat.start()
    max_class_pairs = get_settings().max_round_class_pairs
    try:
        if solver_process is None:
            solved = solve_here(scenario, on_progress=progress, max_class_pairs=max_class_pairs)
        else:
            solved = solver_process.solve(
                scenario, text, on_progress=progress, max_class_pairs=max_class_pairs
            )
    except SolverShutDown:  # the server stops: the claim's lease lapses, another worker solves it
        progress.flush()
        log.warning("round %s abandoned: the server stops", lease.round_id)
        return "abandoned"
    except solver.RoundTooLarge as exc:  # refused, not a fault: the reason says what to do
        return store_failed(engine, lease, f"too large: {exc}", progress.take())
    except Exception as exc:
        log.exception("round %s: the solver failed", lease.round_id)
        return store_failed(engine, lease, f"solver error: {exc}", progress.take())
    finally:
        heartbeat.stop()
    if solved.status == "INVALID":
        return store_failed(engine, lease, f"invalid scenario: {solved.problems}", progress.take())
    return store_proposed(engine, lease, scenario, solved, progress.take())


def process_next(
    engine: Engine,
    worker_id: str | None = None,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    solver_process: SolverProcess | None = None,
) -> int | None:
    """Claim one round and solve it (in ``solver_process`` if given, else in this thread); its
    id, or None when there was nothing to do."""
    lease = jobs.claim_next(
        engine, worker_id or new_worker_id(), lease_s=lease_s, max_attempts=max_attempts
    )
    if lease is None:
        return None
    solve_claimed(engine, lease, lease_s=lease_s, solver_process=solver_process)
    return lease.round_id


def process_all(engine: Engine, worker_id: str | None = None) -> list[int]:
    """Solve every claimable round now, and expire overdue proposals (tests, the demo, the
    command line)."""
    expire_overdue(engine)
    done: list[int] = []
    while (round_id := process_next(engine, worker_id)) is not None:
        done.append(round_id)
    return done


class RoundWorker:
    """A background thread of a server process that claims running rounds and solves them, in
    a child process by default (``solve_in_child``; ``HRHX_SOLVE_IN_CHILD`` for servers)."""

    def __init__(
        self,
        engine: Engine,
        *,
        worker_id: str | None = None,
        poll_s: float = 1.0,
        lease_s: float = DEFAULT_LEASE_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        on_done: Callable[[int], None] | None = None,
        solve_in_child: bool = True,
    ) -> None:
        self.engine = engine
        self.solver = SolverProcess() if solve_in_child else None
        self.on_done = on_done  # called with each round's id once its outcome is stored
        self.worker_id = worker_id or new_worker_id()
        self.poll_s = poll_s
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Recover what a dead server left, then start polling."""
        if self.solver is not None:
            self.solver.start()  # it loads the solver meanwhile
        else:
            importlib.import_module("solver.round")  # load the solver now, not in the first round
        # Move everything loaded so far (the solver, numpy, SQLAlchemy, the app) out of the
        # collector's reach: a round allocates enough to trigger full collections, and rescanning
        # these long-lived objects each time cost more than storing the round's result.
        gc.freeze()
        try:
            jobs.release_own_claims(self.engine, f"{socket.gethostname()}:")
        except Exception:
            log.exception("could not release stale claims")
        self._thread = threading.Thread(target=self._loop, name="hrhx-round-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a round was just run, and its run committed)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling. A solve under way in the solver process is abandoned (the round keeps
        its claim, whose lease lapses: another worker solves it again); one in this thread
        finishes in the background."""
        self._stop.set()
        self._wake.set()
        if self.solver is not None:
            self.solver.shutdown()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _expire_overdue(self) -> None:
        """Proposals past their round's answer deadline expire (``exchange.rounds.deadlines``)."""
        try:
            expire_overdue(self.engine)
        except OperationalError as exc:
            log.warning("round worker: database unavailable, trying again: %s", exc.orig)
        except Exception:
            log.exception("could not expire overdue proposals")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                round_id = process_next(
                    self.engine,
                    self.worker_id,
                    lease_s=self.lease_s,
                    max_attempts=self.max_attempts,
                    solver_process=self.solver,
                )
            except OperationalError as exc:  # busy (SQLite) or unreachable: passes, say it briefly
                log.warning("round worker: database unavailable, trying again: %s", exc.orig)
                round_id = None
            except Exception:
                log.exception("round worker iteration failed")
                round_id = None
            if round_id is None:
                self._expire_overdue()
                self._wake.wait(self.poll_s)
                self._wake.clear()
            elif self.on_done is not None:
                self.on_done(round_id)
