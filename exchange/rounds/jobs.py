"""The queue of rounds to solve, in the database: claim by lease, heartbeat, recovery after a crash.

A round ``running`` is a job. A worker claims it with one conditional ``UPDATE`` (still running,
at the version its run gave it, and nobody's live lease), which sets ``claimed_by``,
``lease_until`` and counts the attempt; only the worker whose update changed the row solves it,
so several server processes sharing PostgreSQL solve each round exactly once. While solving, a
``Heartbeat`` extends the lease; the outcome is stored only while the lease is still held
(``Lease.held``). A round whose worker died (its lease expired) is claimed again and solved from
its frozen snapshot (same scenario and seed, same result), up to ``max_attempts`` claims; after
that it fails with the reason ``interrupted``. A job is claimable only once its run committed: the
claim reads committed rows, so a run rolled back is never solved.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exchange.audit.service import record_system_event
from exchange.codes import RoundStatus
from exchange.db import session_scope
from exchange.rounds.lifecycle import Step, try_move
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

log = logging.getLogger("hrhx.rounds")

DEFAULT_LEASE_S = 30.0
DEFAULT_MAX_ATTEMPTS = 3


def new_worker_id() -> str:
    """A name unique to a worker: host, process id, random suffix (``release_own_claims`` reads
    the process id back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Lease:
    """A worker's claim on a round, at the version the round's run gave it."""

    round_id: int
    worker_id: str
    version: int

    def held(self) -> tuple[ColumnElement[bool], ...]:
        """The conditions under which the worker still holds the round (for conditional
        updates; the round's status is the lifecycle's condition)."""
        return (col(Round.claimed_by) == self.worker_id, col(Round.version) == self.version)


RELEASED: dict[str, Any] = {"claimed_by": None, "lease_until": None}
"""The values that end a claim (stored with the round's outcome)."""


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(col(Round.claimed_by).is_(None), col(Round.lease_until) < now)


def _changed(result: Any) -> bool:
    rows: CursorResult[Any] = result
    return rows.rowcount == 1


def claim_next(
    engine: Engine,
    worker_id: str,
    *,
    lease_s: float = DEFAULT_LEASE_S,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Lease | None:
    """Claim one running round nobody holds (or whose lease expired), in one transaction that
    first fails the rounds interrupted too often; the lease, or None."""
    now = utcnow()
    with session_scope(engine) as session:
        _fail_exhausted(session, now, max_attempts)
        candidates = session.exec(
            select(Round.id, Round.version)
            .where(
                Round.status == RoundStatus.RUNNING, _claimable(now), Round.attempts < max_attempts
            )
            .order_by(col(Round.id))
            .limit(5)
        ).all()
        for round_id, version in candidates:
            assert round_id is not None
            changed = session.execute(
                update(Round)
                .where(
                    col(Round.id) == round_id,
                    col(Round.status) == RoundStatus.RUNNING,
                    col(Round.version) == version,
                    _claimable(now),
                )
                .values(
                    claimed_by=worker_id,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=Round.attempts + 1,
                )
            )
            if _changed(changed):
                log.info("round %s claimed by %s", round_id, worker_id)
                return Lease(round_id, worker_id, version)
    return None


def fail_exhausted(engine: Engine, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> list[int]:
    """Fail (reason ``interrupted``) the running rounds whose lease expired too often."""
    with session_scope(engine) as session:
        return _fail_exhausted(session, utcnow(), max_attempts)


def _fail_exhausted(session: Session, now: datetime, max_attempts: int) -> list[int]:
    failed: list[int] = []
    ids = session.exec(
        select(Round.id).where(
            col(Round.status) == RoundStatus.RUNNING,
            col(Round.claimed_by).is_not(None),
            col(Round.lease_until) < now,
            col(Round.attempts) >= max_attempts,
        )
    ).all()
    for round_id in ids:
        assert round_id is not None
        moved = try_move(
            session,
            round_id,
            Step.FAIL,
            where=(_claimable(now),),
            values={"failure_reason": "interrupted", "finished_at": now, **RELEASED},
        )
        if moved:
            record_system_event(
                session=session,
                action="round.failed",
                entity="round",
                entity_id=round_id,
                after={"status": "failed", "failure_reason": "interrupted"},
            )
            log.warning("round %s failed: interrupted %s times", round_id, max_attempts)
            failed.append(round_id)
    return failed


def extend(engine: Engine, lease: Lease, lease_s: float) -> bool:
    """Extend a lease still held; False when it was lost."""
    with session_scope(engine) as session:
        changed = session.execute(
            update(Round)
            .where(
                col(Round.id) == lease.round_id,
                col(Round.status) == RoundStatus.RUNNING,
                *lease.held(),
            )
            .values(lease_until=utcnow() + timedelta(seconds=lease_s))
        )
        return _changed(changed)


def release_own_claims(engine: Engine, worker_id_prefix: str) -> int:
    """Expire the leases of rounds claimed by a dead incarnation of this host's workers.

    Called at startup with ``host:``: a process on this host that held a claim and is gone
    (its pid no longer exists) cannot finish it, so its lease need not be waited out.
    """
    released = 0
    with session_scope(engine) as session:
        rows = session.exec(
            select(Round.id, Round.claimed_by).where(
                col(Round.status) == RoundStatus.RUNNING,
                col(Round.claimed_by).startswith(worker_id_prefix),
            )
        ).all()
        for round_id, claimed_by in rows:
            parts = str(claimed_by).split(":")
            pid = int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else -1
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


class Heartbeat(threading.Thread):
    """Extends a lease every third of its length while its round is solved."""

    def __init__(self, engine: Engine, lease: Lease, lease_s: float) -> None:
        super().__init__(name=f"hrhx-lease-{lease.round_id}", daemon=True)
        self.engine = engine
        self.lease = lease
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
                extend(self.engine, self.lease, self.lease_s)
            except Exception:
                log.exception("could not extend the lease of round %s", self.lease.round_id)
