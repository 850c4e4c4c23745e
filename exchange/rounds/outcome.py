"""Storing a solved round's outcome: one transaction, only while the worker still holds the round.

A proposed round gets, atomically: its move to ``proposed`` (the solver's status, the objective,
the count of matches, the claim released), a pending proposal per match (created by
``exchange.proposals.service``), its result document, its last progress events and the status
event. A failed round gets its move to ``failed`` with the reason, and the events. Either is
stored only if the round is still ``running``, claimed by this worker at the version it solved
(``jobs.Lease.held``); otherwise nothing is written ("lost": another worker took the claim over).
The transaction begins after the solve has finished, so it is short and never waits on the
solver.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine

from exchange.audit.service import record_system_event
from exchange.db import session_scope
from exchange.proposals.service import create_for_round
from exchange.rounds import documents
from exchange.rounds.events import insert_events
from exchange.rounds.jobs import RELEASED, Lease
from exchange.rounds.lifecycle import Step, try_move
from exchange.rounds.solving import Solved
from exchange.timestamps import utcnow

log = logging.getLogger("hrhx.rounds")


class _Lost(Exception):
    """The worker no longer holds the round: its outcome's transaction is rolled back."""


def store_proposed(
    engine: Engine,
    lease: Lease,
    scenario: dict[str, Any],
    solved: Solved,
    events: list[dict[str, Any]],
) -> str:
    """Store a solved round (``events``: its last progress); ``"proposed"``, or ``"lost"`` when
    the worker no longer holds the round."""
    objective = solved.objective or (None, None, None)
    try:
        with session_scope(engine) as session:
            insert_events(session, events)  # before the status event, in the stream's order
            moved = try_move(
                session,
                lease.round_id,
                Step.PROPOSE,
                where=lease.held(),
                values={
                    "solver_status": solved.status,
                    "priority_fill": objective[0],
                    "min_fill_permille": objective[1],
                    "benefit_usd": objective[2],
                    "matches_count": len(solved.rows),
                    "solve_seconds": solved.solve_seconds,
                    "finished_at": utcnow(),
                    **RELEASED,
                },
            )
            if not moved:
                raise _Lost
            create_for_round(
                session=session, round_id=lease.round_id, scenario=scenario, rows=solved.rows
            )
            documents.add(session, lease.round_id, "result", solved.text)  # its run dropped any
            record_system_event(
                session=session,
                action="round.proposed",
                entity="round",
                entity_id=lease.round_id,
                after={
                    "status": "proposed",
                    "solver_status": solved.status,
                    "objective": list(objective),
                    "proposals": len(solved.rows),
                },
            )
    except _Lost:
        log.warning("round %s: lease lost, outcome discarded", lease.round_id)
        return "lost"
    log.info(
        "round %s proposed: %s, %s matches, objective %s/%s/%s, solved in %.2f s",
        lease.round_id,
        solved.status,
        len(solved.rows),
        *objective,
        solved.solve_seconds or 0.0,
    )
    return "proposed"


def store_failed(
    engine: Engine, lease: Lease, failure: str, events: list[dict[str, Any]] | None = None
) -> str:
    """Fail the round with ``failure`` as the reason (``events``: its progress so far);
    ``"failed"``, or ``"lost"`` when the worker no longer holds the round."""
    try:
        with session_scope(engine) as session:
            insert_events(session, events or [])
            moved = try_move(
                session,
                lease.round_id,
                Step.FAIL,
                where=lease.held(),
                values={"failure_reason": failure, "finished_at": utcnow(), **RELEASED},
                event=f"failed: {failure}",
            )
            if not moved:
                raise _Lost
            record_system_event(
                session=session,
                action="round.failed",
                entity="round",
                entity_id=lease.round_id,
                after={"status": "failed", "failure_reason": failure},
            )
    except _Lost:
        log.warning("round %s: lease lost, outcome discarded", lease.round_id)
        return "lost"
    log.warning("round %s failed: %s", lease.round_id, failure)
    return "failed"
