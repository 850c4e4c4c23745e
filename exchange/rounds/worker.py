"""The round worker: claims running rounds from the database and solves them outside requests.

A round is claimed with one conditional UPDATE (``status = 'running'`` and no live lease), which
sets ``claimed_by`` and ``lease_until``; only the worker whose update changed the row solves it, so
several processes sharing PostgreSQL solve each round exactly once. While solving, a heartbeat
extends the lease; the result is stored only if the lease is still ours. A round whose worker died
(its lease expired) is claimed again and re-solved from its frozen snapshot (same scenario and seed
give the same result), up to ``max_attempts`` claims; after that it is marked ``failed`` with the
reason ``interrupted``.

A server's ``RoundWorker`` solves in a child process of its own (``exchange.rounds.solving``) and
stores each outcome with ``exchange.rounds.outcome``; ``process_next`` and ``process_all`` (tests,
the demo, the command line) solve in the calling thread.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

import solver
from exchange.config import get_settings
from exchange.db import json_loads, session_scope
from exchange.rounds import documents, handoff
from exchange.rounds.events import add_status_event, event_row, insert_events
from exchange.rounds.outcome import Outcome, held
from exchange.rounds.solving import (
    Matched,
    SolverProcess,
    SolverShutDown,
    overrun_s,
    solve_here,
)
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

log = logging.getLogger("hrhx.rounds")

DEFAULT_LEASE_S = 30.0
DEFAULT_MAX_ATTEMPTS = 3


def new_worker_id() -> str:
    """A name unique to this worker (host, process, random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claimable(now: Any) -> Any:
    return or_(col(Round.claimed_by).is_(None), col(Round.lease_until) < now)


def fail_exhausted(engine: Engine, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> list[int]:
    """Mark ``failed`` (reason ``interrupted``) the running rounds whose lease expired too often."""
    with session_scope(engine) as session:
        return _fail_exhausted(session, utcnow(), max_attempts)


def _fail_exhausted(session: Session, now: Any, max_attempts: int) -> list[int]:
    failed: list[int] = []
    ids = session.exec(
        select(Round.id).where(
            col(Round.status) == "running",
            col(Round.claimed_by).is_not(None),
            col(Round.lease_until) < now,
            col(Round.attempts) >= max_attempts,
        )
    ).all()
    for round_id in ids:
        changed = session.execute(
            update(Round)
            .where(col(Round.id) == round_id, col(Round.status) == "running", _claimable(now))
            .values(
                status="failed",
                failure_reason="interrupted",
                finished_at=now,
                claimed_by=None,
                lease_until=None,
                version=Round.version + 1,
            )
        )
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            assert round_id is not None
            add_status_event(session, round_id, "failed")
            log.warning("round %s failed: interrupted %s times", round_id, max_attempts)
            failed.append(round_id)
    return failed


def release_own_claims(engine: Engine, worker_id_prefix: str) -> int:
    """Expire the leases of rounds claimed by a dead incarnation of this host's workers.

    Called at startup with ``host:``: a process on this host that held a claim and is gone
    (its pid no longer exists) cannot finish it, so its lease need not be waited out.
    """
    released = 0
    with session_scope(engine) as session:
        rows = session.exec(
            select(Round.id, Round.claimed_by).where(
                col(Round.status) == "running", col(Round.claimed_by).startswith(worker_id_prefix)
            )
        ).all()
        for round_id, claimed_by in rows:
            pid = int(str(claimed_by).split(":")[1]) if str(claimed_by).count(":") >= 2 else -1
            if pid == os.getpid() or _alive(pid):
                continue
            session.execute(
                update(Round)
                .where(col(Round.id) == round_id, col(Round.claimed_by) == claimed_by)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
            released += 1
    return released


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_next(
    engine: Engine, worker_id: str, *, lease_s: float = DEFAULT_LEASE_S, max_attempts: int = 3
) -> int | None:
    """Claim one running round nobody holds (or whose lease expired); its id, or None."""
    claimed = _claim(engine, worker_id, lease_s=lease_s, max_attempts=max_attempts)
    return claimed[0] if claimed is not None else None


def _claim(
    engine: Engine, worker_id: str, *, lease_s: float, max_attempts: int
) -> tuple[int, int] | None:
    """``claim_next``, with the claimed round's version (that of its snapshot), in one
    transaction that first fails the rounds interrupted too often."""
    now = utcnow()
    with session_scope(engine) as session:
        _fail_exhausted(session, now, max_attempts)
        candidates = session.exec(
            select(Round.id, Round.version)
            .where(Round.status == "running", _claimable(now), Round.attempts < max_attempts)
            .order_by(col(Round.id))
            .limit(5)
        ).all()
        for round_id, version in candidates:
            changed = session.execute(
                update(Round)
                .where(
                    col(Round.id) == round_id,
                    col(Round.status) == "running",
                    col(Round.version) == version,
                    _claimable(now),
                )
                .values(
                    claimed_by=worker_id,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=Round.attempts + 1,
                )
            )
            if changed.rowcount == 1:  # type: ignore[attr-defined]
                assert round_id is not None
                log.info("round %s claimed by %s", round_id, worker_id)
                return round_id, version
    return None


class _Progress:
    """The solver's ``on_progress``: stores events in batches, at most one write per 0.2 s.

    Consecutive events of one tier within a batch collapse into the latest; a tier change is kept,
    so the stream shows every tier's last incumbent and bound. A fast solve writes its events in
    one or two short transactions instead of one per event.
    """

    INTERVAL_S = 0.2

    def __init__(self, engine: Engine, round_id: int) -> None:
        self.engine = engine
        self.round_id = round_id
        self.last_write = time.monotonic()  # the first write comes after one interval
        self.buffer: list[solver.ProgressEvent] = []
        self.held = False  # once the outcome is being stored, events wait to go in with it

    def __call__(self, event: solver.ProgressEvent) -> None:
        if self.buffer and self.buffer[-1].tier_name == event.tier_name:
            self.buffer[-1] = event
        else:
            self.buffer.append(event)
        if not self.held and time.monotonic() - self.last_write >= self.INTERVAL_S:
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


class _Heartbeat(threading.Thread):
    """Extends the lease of a round while it is being solved."""

    def __init__(self, engine: Engine, round_id: int, worker_id: str, lease_s: float) -> None:
        super().__init__(name=f"hrhx-lease-{round_id}", daemon=True)
        self.engine = engine
        self.round_id = round_id
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.stopped = threading.Event()

    def stop(self) -> None:
        """Stop extending the lease (and wait for an extension under way)."""
        self.stopped.set()
        if self.is_alive():
            self.join()

    def run(self) -> None:
        while not self.stopped.wait(self.lease_s / 3):
            try:
                with session_scope(self.engine) as session:
                    session.execute(
                        update(Round)
                        .where(*held(self.round_id, self.worker_id, None))
                        .values(lease_until=utcnow() + timedelta(seconds=self.lease_s))
                    )
            except Exception:
                log.exception("could not extend the lease of round %s", self.round_id)


def _snapshot(
    engine: Engine, round_id: int, version: int | None
) -> tuple[dict[str, Any], str] | None:
    """The round's frozen scenario and its JSON text: handed over in memory when this process
    ran the round at ``version`` (``exchange.rounds.handoff``), else read from the database."""
    if version is not None and (handed := handoff.take(round_id, version)) is not None:
        return handed
    with session_scope(engine) as session:
        text = documents.get_text(session, round_id, "scenario")
    return (json_loads(text), text) if text is not None else None


def solve_claimed(
    engine: Engine,
    round_id: int,
    worker_id: str,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    version: int | None = None,
    snapshot: tuple[dict[str, Any], str] | None = None,
    solver_process: SolverProcess | None = None,
    sent: bool = False,
) -> str:
    """Solve a round this worker claimed (at ``version``, if known; its ``snapshot``, scenario
    and text, if handed over with the claim) and store the outcome; the round's new status
    (``lost`` if the claim went to another worker meanwhile, ``abandoned`` if the server stops).

    With a ``solver_process`` the solve runs there (``sent``: the run sent it already), else in
    this thread (``exchange.rounds.solving``)."""
    snapshot = snapshot if snapshot is not None else _snapshot(engine, round_id, version)
    if snapshot is None:
        return Outcome(engine, round_id, worker_id, version, {}).fail("no frozen snapshot")
    scenario, text = snapshot
    progress = _Progress(engine, round_id)
    # the outcome begun while the child explains the unmatched (nothing overlaps in this thread)
    outcome = Outcome(
        engine, round_id, worker_id, version, scenario, early=solver_process is not None
    )
    heartbeat = _Heartbeat(engine, round_id, worker_id, lease_s)

    def matched(result: Matched) -> None:
        # Nothing of this worker may write to the round while its outcome is being stored: a
        # lease extension would wait for that transaction, which waits for the heartbeat to stop.
        # The lease needs no extending meanwhile: the transaction holds the round (its row's lock
        # on PostgreSQL, the write lock on SQLite) until it commits.
        if outcome.early:
            heartbeat.stop()
            progress.held = True
        outcome.matched(result, progress.take())

    heartbeat.start()
    max_class_pairs = get_settings().max_round_class_pairs
    try:
        if solver_process is None:
            solved = solve_here(
                scenario,
                on_progress=progress,
                on_matched=matched,
                max_class_pairs=max_class_pairs,
            )
        else:
            if not sent:
                solver_process.send(text, max_class_pairs=max_class_pairs)
            solved = solver_process.receive(
                on_progress=progress, on_matched=matched, overrun_s=overrun_s(scenario)
            )
    except SolverShutDown:  # the server stops: the claim's lease lapses, another worker solves it
        outcome.discard()
        progress.flush()
        log.warning("round %s abandoned: the server stops", round_id)
        return "abandoned"
    except solver.RoundTooLarge as exc:  # refused, not a fault: the reason says what to do
        return outcome.fail(f"too large: {exc}", progress.take())
    except Exception as exc:
        log.exception("round %s: the solver failed", round_id)
        return outcome.fail(f"solver error: {exc}", progress.take())
    finally:
        heartbeat.stop()
    # The last progress events go in with the outcome, in its transaction.
    if solved.status == "INVALID":
        return outcome.fail(f"invalid scenario: {solved.problems}", progress.take())
    return outcome.finish(solved, progress.take())


def process_next(
    engine: Engine,
    worker_id: str | None = None,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    solver_process: SolverProcess | None = None,
) -> int | None:
    """Solve one round, claimed for this worker when it was run here (``exchange.rounds.handoff``)
    or claimed now, in ``solver_process`` if given (else in this thread); its id, or None when
    there was nothing to do (or a run here is claiming one for this worker: it is handed over
    when that run commits)."""
    worker_id = worker_id or new_worker_id()
    try:
        handed = handoff.next_for(worker_id)
        if isinstance(handed, handoff.Handed):
            log.info("round %s claimed by %s when it was run", handed.round_id, worker_id)
            solve_claimed(
                engine,
                handed.round_id,
                worker_id,
                lease_s=lease_s,
                version=handed.version,
                snapshot=(handed.scenario, handed.text),
                solver_process=solver_process,
                sent=handed.sent,
            )
            return handed.round_id
        if not handed:
            return None
        claimed = _claim(engine, worker_id, lease_s=lease_s, max_attempts=max_attempts)
        if claimed is None:
            return None
        round_id, version = claimed
        solve_claimed(
            engine,
            round_id,
            worker_id,
            lease_s=lease_s,
            version=version,
            solver_process=solver_process,
        )
        return round_id
    finally:
        handoff.idle(worker_id)


def process_all(engine: Engine, worker_id: str | None = None) -> list[int]:
    """Solve every claimable round now (tests, the demo, the command line)."""
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
        # the solves in a child process of their own (exchange.rounds.solving), or in the thread
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
        handoff.worker_started(
            self.worker_id,
            lease_s=self.lease_s,
            wake=self.wake,
            begin=self._begin if self.solver is not None else None,
        )
        # Move everything loaded so far (the solver, numpy, SQLAlchemy, the app) out of the
        # collector's reach: a round allocates enough to trigger full collections, and rescanning
        # these long-lived objects each time cost more than storing the round's result.
        gc.freeze()
        try:
            release_own_claims(self.engine, f"{socket.gethostname()}:")
        except Exception:
            log.exception("could not release stale claims")
        self._thread = threading.Thread(target=self._loop, name="hrhx-round-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a round was just run)."""
        self._wake.set()

    def _begin(self, text: str) -> bool:
        """``exchange.rounds.handoff``'s hook: start solving a run's snapshot now, if the solver
        process is free (else the worker sends it once the run committed)."""
        if self.solver is None or self.solver.busy:
            return False
        self.solver.send(text, max_class_pairs=get_settings().max_round_class_pairs)
        return True

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
            handoff.worker_stopped(self.worker_id)

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
                self._wake.wait(self.poll_s)
                self._wake.clear()
            elif self.on_done is not None:
                self.on_done(round_id)
