"""Storing a solved round's outcome: one transaction, only while the worker still holds the round.

A proposed round gets, atomically: its row (status ``proposed``, the solver's status, the
objective, the count of matches, the claim released), a pending proposal per match, its result
document, its last progress events and the status event. A failed round gets its row (status
``failed`` and the reason) and the events. Either is stored only if the round is still
``running``, claimed by this worker and, when known, at the version it solved (the run that froze
its snapshot); otherwise the outcome is discarded ("lost": another worker took over the claim).

**Begun early.** When the solve runs in a child process, ``Outcome.matched`` opens the
transaction as soon as the tiers are solved (``exchange.rounds.solving.Matched``): the
conditional update of the round's row (which also locks it), the proposals and the events are
written while the child explains the unmatched postings and serialises the result; ``finish``
then adds the result document and the solve's duration and commits. Nothing is visible before
that commit, and a solve that fails afterwards rolls all of it back. In the worker's thread
nothing would overlap, so ``finish`` writes everything in one go. The price on SQLite: its one
write lock is held while the child explains (a few tens of milliseconds at size M, a few hundred
at L) and other writers wait that long; a child that hung there would keep them waiting until
it is stopped, past SQLite's 30 s busy timeout. On PostgreSQL only the round's row is locked.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from exchange.db import driver_value, insert_many
from exchange.gc_pause import gc_paused
from exchange.proposals.tables import Proposal
from exchange.rounds import documents
from exchange.rounds.events import event_row, insert_events
from exchange.rounds.solving import Matched, MatchRow, Solved
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

log = logging.getLogger("hrhx.rounds")

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


def held(round_id: int, worker_id: str, version: int | None) -> list[Any]:
    """The conditions under which a worker still holds the round it solves."""
    conditions = [
        col(Round.id) == round_id,
        col(Round.status) == "running",
        col(Round.claimed_by) == worker_id,
    ]
    if version is not None:
        conditions.append(col(Round.version) == version)
    return conditions


class Outcome:
    """The outcome of one claimed round's solve, stored by ``matched`` and ``finish`` (a
    proposed round) or ``fail``."""

    def __init__(
        self,
        engine: Engine,
        round_id: int,
        worker_id: str,
        version: int | None,
        scenario: dict[str, Any],
        *,
        early: bool = False,
    ) -> None:
        self.engine = engine
        self.round_id = round_id
        self.worker_id = worker_id
        self.version = version
        self.scenario = scenario
        self.early = early
        self._matched: Matched | None = None
        self._events: list[dict[str, Any]] = []  # progress events, until committed
        self._written = 0  # how many of them the transaction begun early holds
        self._session: Session | None = None  # begun early: the row, proposals, events written

    def matched(self, matched: Matched, events: list[dict[str, Any]]) -> None:
        """The tiers are solved (``events``: the progress so far); when ``early``, store it now."""
        self._matched = matched
        self._events += events
        if not self.early:
            return
        session = Session(self.engine, expire_on_commit=False)
        try:
            if self._mark_proposed(session, matched):
                self._session = session
                return
            # lost meanwhile: ``finish`` finds that out again and discards the outcome
        except Exception:
            log.exception("round %s: outcome not begun early; stored at the end", self.round_id)
        session.rollback()
        session.close()

    def finish(self, solved: Solved, events: list[dict[str, Any]]) -> str:
        """Store the proposed round (``solved``: the result; ``events``: the last progress);
        ``"proposed"``, or ``"lost"`` when the worker no longer holds the round."""
        matched = self._matched
        if matched is None:
            return self.fail("the solver gave no matches", events)
        begun, self._session = self._session, None
        self._events += events
        with begun or Session(self.engine, expire_on_commit=False) as session:
            try:
                if begun is None and not self._mark_proposed(session, matched):
                    log.warning("round %s: lease lost, outcome discarded", self.round_id)
                    session.rollback()
                    return "lost"
                if later := self._events[self._written :]:  # progress after the tiers (none yet)
                    insert_events(session, later)
                # the round had no result: its run removed any earlier one
                documents.add(session, self.round_id, "result", solved.text)
                session.execute(
                    update(Round)
                    .where(col(Round.id) == self.round_id)
                    .values(solve_seconds=solved.solve_seconds)
                )
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self._events, self._written = [], 0
        objective = matched.objective or (None, None, None)
        log.info(
            "round %s proposed: %s, %s matches, objective %s/%s/%s, solved in %.2f s",
            self.round_id,
            matched.status,
            len(matched.rows),
            *objective,
            solved.solve_seconds or 0.0,
        )
        return "proposed"

    def fail(self, failure: str, events: list[dict[str, Any]] | None = None) -> str:
        """Mark the round ``failed`` with ``failure`` as the reason (discarding anything begun);
        ``"failed"``, or ``"lost"`` when the worker no longer holds the round."""
        self.discard()
        with Session(self.engine, expire_on_commit=False) as session:
            changed = session.execute(
                update(Round)
                .where(*held(self.round_id, self.worker_id, self.version))
                .values(
                    status="failed",
                    failure_reason=failure,
                    finished_at=utcnow(),
                    claimed_by=None,
                    lease_until=None,
                    version=Round.version + 1,
                )
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("round %s: lease lost, outcome discarded", self.round_id)
                session.rollback()
                return "lost"
            insert_events(
                session,
                [
                    *self._events,
                    *(events or []),
                    event_row(self.round_id, "status", message=f"failed: {failure}"),
                ],
            )
            session.commit()
        log.warning("round %s failed: %s", self.round_id, failure)
        return "failed"

    def discard(self) -> None:
        """Roll back what was begun early (the solve failed after its tiers, or was abandoned)."""
        if self._session is not None:
            self._session.rollback()
            self._session.close()
            self._session = None
        self._written = 0  # the progress events go in with whatever is stored instead

    def _mark_proposed(self, session: Session, matched: Matched) -> bool:
        """The round's row, proposals and events of a proposed round, if the worker still holds
        it (False otherwise, with nothing written)."""
        objective = matched.objective
        changed = session.execute(
            update(Round)
            .where(*held(self.round_id, self.worker_id, self.version))
            .values(
                status="proposed",
                solver_status=matched.status,
                priority_fill=objective[0] if objective else None,
                min_fill_permille=objective[1] if objective else None,
                benefit_usd=objective[2] if objective else None,
                matches_count=len(matched.rows),
                finished_at=utcnow(),
                claimed_by=None,
                lease_until=None,
                version=Round.version + 1,
            )
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        with gc_paused():  # a row per match: acyclic bulk data (exchange.gc_pause)
            store_proposals(
                session=session, round_id=self.round_id, scenario=self.scenario, rows=matched.rows
            )
        # in this order: the progress events, then the status event
        insert_events(
            session, [*self._events, event_row(self.round_id, "status", message="proposed")]
        )
        self._written = len(self._events)
        return True


def store_proposals(
    *, session: Any, round_id: int, scenario: dict[str, Any], rows: list[MatchRow]
) -> int:
    """One pending proposal per match, in one bulk insert.

    A round at size M proposes hundreds of matches; nothing reads them back here, so they go to
    the driver as plain tuples (``insert_many``) rather than as ORM objects or Core parameter dicts.
    """
    deposits = {d["id"]: d for d in scenario["deposits"]}
    withdrawals = {w["id"]: w for w in scenario["withdrawals"]}
    connection = session.connection()
    table = Proposal.__table__  # type: ignore[attr-defined]
    created_at = driver_value(connection, table, "created_at", utcnow())
    proposals = [
        (
            round_id,
            deposit_id,
            withdrawal_id,
            deposits[deposit_id]["country"],
            withdrawals[withdrawal_id]["country"],
            deposits[deposit_id]["cadre"],
            count,
            benefit,
            months,
            agreement_id,
            "pending",
            1,
            created_at,
        )
        for deposit_id, withdrawal_id, count, benefit, months, agreement_id in rows
    ]
    insert_many(connection, table, PROPOSAL_COLUMNS, proposals)
    return len(proposals)
