"""The round worker: claims running rounds from the database and solves them outside requests.

A round is claimed with one conditional UPDATE (``status = 'running'`` and no live lease), which
sets ``claimed_by`` and ``lease_until``; only the worker whose update changed the row solves it, so
several processes sharing PostgreSQL solve each round exactly once. While solving, a heartbeat
extends the lease; the result is stored only if the lease is still ours. A round whose worker died
(its lease expired) is claimed again and re-solved from its frozen snapshot (same scenario and seed
give the same result), up to ``max_attempts`` claims; after that it is marked ``failed`` with the
reason ``interrupted``.
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
from exchange.db import driver_value, insert_many, session_scope
from exchange.gc_pause import gc_paused
from exchange.proposals.tables import Proposal
from exchange.rounds import documents, handoff
from exchange.rounds.events import add_status_event, event_row, insert_events
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

    def __init__(self, engine: Engine, round_id: int, worker_id: str, lease_s: float) -> None:
        self.engine = engine
        self.round_id = round_id
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.last_write = time.monotonic()  # the first write comes after one interval
        self.buffer: list[solver.ProgressEvent] = []

    def __call__(self, event: solver.ProgressEvent) -> None:
        if self.buffer and self.buffer[-1].tier_name == event.tier_name:
            self.buffer[-1] = event
        else:
            self.buffer.append(event)
        if time.monotonic() - self.last_write >= self.INTERVAL_S:
            self.flush()

    def take(self, round_id: int) -> list[dict[str, Any]]:
        """The buffered events as rows to insert (the buffer is emptied)."""
        events, self.buffer = self.buffer, []
        return [
            event_row(
                round_id,
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
        rows = self.take(self.round_id)
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

    def run(self) -> None:
        while not self.stopped.wait(self.lease_s / 3):
            try:
                with session_scope(self.engine) as session:
                    session.execute(
                        update(Round)
                        .where(
                            col(Round.id) == self.round_id,
                            col(Round.claimed_by) == self.worker_id,
                            col(Round.status) == "running",
                        )
                        .values(lease_until=utcnow() + timedelta(seconds=self.lease_s))
                    )
            except Exception:
                log.exception("could not extend the lease of round %s", self.round_id)


def _snapshot(engine: Engine, round_id: int, version: int | None) -> dict[str, Any] | None:
    """The round's frozen scenario: handed over in memory when this process ran the round at
    ``version`` (``exchange.rounds.handoff``), else read from the database."""
    if version is not None and (scenario := handoff.take(round_id, version)) is not None:
        return scenario
    with session_scope(engine) as session:
        return documents.get(session, round_id, "scenario")


def solve_claimed(
    engine: Engine,
    round_id: int,
    worker_id: str,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    version: int | None = None,
    scenario: dict[str, Any] | None = None,
) -> str:
    """Solve a round this worker claimed (at ``version``, if known; its ``scenario``, if handed
    over with the claim) and store the outcome; the round's new status."""
    scenario = scenario if scenario is not None else _snapshot(engine, round_id, version)
    if scenario is None:
        return _finish(engine, round_id, worker_id, version, failure="no frozen snapshot")
    progress = _Progress(engine, round_id, worker_id, lease_s)
    heartbeat = _Heartbeat(engine, round_id, worker_id, lease_s)
    heartbeat.start()
    started = time.monotonic()
    try:
        result = solver.solve(
            scenario,
            on_progress=progress,
            max_class_pairs=get_settings().max_round_class_pairs,
        )
    except solver.RoundTooLarge as exc:  # refused, not a fault: the reason says what to do
        progress.flush()
        return _finish(engine, round_id, worker_id, version, failure=f"too large: {exc}")
    except Exception as exc:
        log.exception("round %s: the solver failed", round_id)
        progress.flush()
        return _finish(engine, round_id, worker_id, version, failure=f"solver error: {exc}")
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    elapsed = time.monotonic() - started
    # The last progress events go in with the outcome, in its transaction.
    events = progress.take(round_id)
    if result.status == "INVALID":
        problems = "; ".join(f"{p.path}: {p.message}" for p in result.errors or [])
        return _finish(
            engine,
            round_id,
            worker_id,
            version,
            failure=f"invalid scenario: {problems}",
            events=events,
        )
    return _finish(
        engine,
        round_id,
        worker_id,
        version,
        scenario=scenario,
        result=result,
        elapsed=elapsed,
        events=events,
    )


def _finish(
    engine: Engine,
    round_id: int,
    worker_id: str,
    version: int | None,
    *,
    failure: str | None = None,
    scenario: dict[str, Any] | None = None,
    result: solver.Result | None = None,
    elapsed: float | None = None,
    events: list[dict[str, Any]] | None = None,
) -> str:
    """Store the outcome in one transaction, only if this worker still holds the round (and it
    is still at ``version``, the run it solved, when known).

    ``events`` (the solve's last progress events) are stored with it, before its status event.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "finished_at": now,
        "claimed_by": None,
        "lease_until": None,
        "version": Round.version + 1,
    }
    if failure is not None or result is None or scenario is None:
        status = "failed"
        values.update(status=status, failure_reason=failure or "no result")
    else:
        status = "proposed"
        objective = result.objective
        values.update(
            status=status,
            solver_status=result.status,
            priority_fill=objective.priority_fill if objective else None,
            min_fill_permille=objective.min_fill_permille if objective else None,
            benefit_usd=objective.benefit_usd if objective else None,
            matches_count=len(result.matches or []),
            solve_seconds=result.stats.solve_seconds if result.stats else elapsed,
        )
    held = [
        col(Round.id) == round_id,
        col(Round.status) == "running",
        col(Round.claimed_by) == worker_id,
    ]
    if version is not None:
        held.append(col(Round.version) == version)
    with session_scope(engine) as session:
        changed = session.execute(update(Round).where(*held).values(**values))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("round %s: lease lost, outcome discarded", round_id)
            return "lost"
        if status == "proposed" and result is not None and scenario is not None:
            with gc_paused():  # a row per match: acyclic bulk data (exchange.gc_pause)
                # serialised once by the model, not turned into a dict and encoded again
                text = result.model_dump_json(exclude_none=True)
                documents.put(session, round_id, "result", text)
                store_proposals(
                    session=session, round_id=round_id, scenario=scenario, result=result
                )
        message = f"failed: {failure}" if failure else status
        # in this order: the last progress events, then the status event
        insert_events(session, [*(events or []), event_row(round_id, "status", message=message)])
    if status == "proposed":
        log.info(
            "round %s proposed: %s, %s matches, objective %s/%s/%s, solved in %.2f s",
            round_id,
            values["solver_status"],
            values["matches_count"],
            values["priority_fill"],
            values["min_fill_permille"],
            values["benefit_usd"],
            values["solve_seconds"] or 0.0,
        )
    else:
        log.warning("round %s failed: %s", round_id, values["failure_reason"])
    return status


PROPOSAL_COLUMNS = (
    "round_id",
    "deposit_id",
    "withdrawal_id",
    "origin",
    "destination",
    "cadre",
    "count",
    "benefit_usd_per_worker",
    "language_training_months",
    "agreement_id",
    "status",
    "version",
    "created_at",
)


def store_proposals(
    *, session: Any, round_id: int, scenario: dict[str, Any], result: solver.Result
) -> int:
    """One pending proposal per match of the result, in one bulk insert.

    A round at size M proposes hundreds of matches; nothing reads them back here, so they go to
    the driver as plain tuples (``insert_many``) rather than as ORM objects or Core parameter dicts.
    """
    deposits = {d["id"]: d for d in scenario["deposits"]}
    withdrawals = {w["id"]: w for w in scenario["withdrawals"]}
    connection = session.connection()
    table = Proposal.__table__  # type: ignore[attr-defined]
    created_at = driver_value(connection, table, "created_at", utcnow())
    rows = [
        (
            round_id,
            match.deposit_id,
            match.withdrawal_id,
            deposits[match.deposit_id]["country"],
            withdrawals[match.withdrawal_id]["country"],
            deposits[match.deposit_id]["cadre"],
            match.count,
            match.benefit_usd_per_worker,
            match.language_training_months,
            match.agreement_id,
            "pending",
            1,
            created_at,
        )
        for match in result.matches or []
    ]
    insert_many(connection, table, PROPOSAL_COLUMNS, rows)
    return len(rows)


def process_next(
    engine: Engine,
    worker_id: str | None = None,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> int | None:
    """Solve one round, claimed for this worker when it was run here (``exchange.rounds.handoff``)
    or claimed now; its id, or None when there was nothing to do (or a run here is claiming one
    for this worker: it is handed over when that run commits)."""
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
                scenario=handed.scenario,
            )
            return handed.round_id
        if not handed:
            return None
        claimed = _claim(engine, worker_id, lease_s=lease_s, max_attempts=max_attempts)
        if claimed is None:
            return None
        round_id, version = claimed
        solve_claimed(engine, round_id, worker_id, lease_s=lease_s, version=version)
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
    """A background thread of a server process that solves running rounds."""

    def __init__(
        self,
        engine: Engine,
        *,
        worker_id: str | None = None,
        poll_s: float = 1.0,
        lease_s: float = DEFAULT_LEASE_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = engine
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
        importlib.import_module("solver.round")  # load the solver now, not in the first round
        handoff.worker_started(self.worker_id, lease_s=self.lease_s, wake=self.wake)
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

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; a solve under way finishes in the background (its lease then lapses)."""
        self._stop.set()
        self._wake.set()
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
