"""A server's round worker solving in its child process (exchange.rounds.solving), with the
outcome begun early on PostgreSQL (exchange.rounds.outcome): what is stored, and what happens
when the run rolls back, the child dies, the claim is lost or the server stops."""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

import solver
from exchange.db import session_scope
from exchange.postings.service import create_deposit, create_withdrawal
from exchange.proposals.tables import Proposal
from exchange.rounds import documents, handoff
from exchange.rounds.events import event_row
from exchange.rounds.outcome import Outcome
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.solving import Matched, solved_of
from exchange.rounds.tables import Round, RoundEvent
from exchange.rounds.worker import RoundWorker
from tests.exchange.factories import (
    ADMIN,
    PLANNER,
    deposit_payload,
    seed_reference,
    stored_round,
    withdrawal_payload,
)


@pytest.fixture
def matching(engine: Engine) -> Engine:
    """Postings that match: Philippine nurses (not safeguard-listed) for two German positions."""
    with session_scope(engine) as session:
        seed_reference(session)
        for i in (1, 2):
            create_deposit(
                session=session,
                actor=ADMIN,
                data=deposit_payload(id=f"d{i}", country="PHL", languages={"de": "C1"}),
            )
            create_withdrawal(session=session, actor=ADMIN, data=withdrawal_payload(id=f"w{i}"))
    return engine


@pytest.fixture
def server(matching: Engine) -> Iterator[tuple[RoundWorker, queue.Queue[int]]]:
    done: queue.Queue[int] = queue.Queue()
    worker = RoundWorker(matching, worker_id="server", poll_s=3600, on_done=done.put)
    worker.start()
    yield worker, done
    worker.stop()


def _idle(worker_id: str) -> None:
    """Wait until the worker is idle: after each round (and at start) it looks in the database
    once more for a round to claim, and a run meanwhile would leave its round to that search."""
    deadline = time.monotonic() + 30
    while not handoff.is_idle(worker_id):
        assert time.monotonic() < deadline, f"worker {worker_id} never idle"
        time.sleep(0.01)


def _run(engine: Engine, worker_id: str | None = "server") -> int:
    if worker_id is not None:
        _idle(worker_id)
    with session_scope(engine) as session:
        round_id = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r")).id
        assert round_id is not None
        run_round(session=session, actor=PLANNER, round_id=round_id)
    return round_id


def _proposals(engine: Engine, round_id: int) -> int:
    with session_scope(engine) as session:
        count = session.exec(
            select(func.count()).select_from(Proposal).where(Proposal.round_id == round_id)
        ).one()
    return int(count)


def _events(engine: Engine, round_id: int) -> list[tuple[str, str | None]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(RoundEvent.kind, RoundEvent.message)
            .where(RoundEvent.round_id == round_id)
            .order_by(col(RoundEvent.id))
        ).all()
    return [(kind, message) for kind, message in rows]


def _child(worker: RoundWorker) -> int:
    assert worker.solver is not None
    pid = worker.solver.pid
    assert pid is not None
    assert pid != os.getpid()
    return pid


def test_a_round_solved_in_the_child_is_stored_whole(
    matching: Engine, server: tuple[RoundWorker, queue.Queue[int]]
) -> None:
    worker, done = server
    _child(worker)
    round_id = _run(matching)
    assert done.get(timeout=60) == round_id
    rnd = stored_round(matching, round_id)
    assert (rnd.status, rnd.solver_status, rnd.claimed_by) == ("proposed", "OPTIMAL", None)
    assert rnd.matches_count is not None
    assert rnd.matches_count >= 1
    assert _proposals(matching, round_id) == rnd.matches_count
    with session_scope(matching) as session:
        scenario = documents.get(session, round_id, "scenario")
        result = documents.get(session, round_id, "result")
    assert scenario is not None
    assert result is not None
    alone = solver.solve(scenario)
    assert alone.objective is not None
    assert result["objective"] == alone.objective.model_dump()
    assert rnd.solve_seconds == result["stats"]["solve_seconds"]
    events = _events(matching, round_id)
    assert events[-1] == ("status", "proposed")
    assert ("status", "running") in events


def test_a_run_rolled_back_after_its_solve_began_leaves_nothing(
    matching: Engine, server: tuple[RoundWorker, queue.Queue[int]]
) -> None:
    worker, done = server
    with session_scope(matching) as session:
        round_id = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r")).id
        assert round_id is not None
    began: list[bool] = []

    def run_then_fail() -> None:
        _idle("server")
        with session_scope(matching) as session:
            run_round(session=session, actor=PLANNER, round_id=round_id)
            began.append(worker.solver is not None and worker.solver.busy)
            raise RuntimeError("the request failed after the run")

    with pytest.raises(RuntimeError):
        run_then_fail()
    assert began == [True]  # its solve began at run
    assert stored_round(matching, round_id).status == "draft"
    second = _run(matching)  # the solve begun for the rolled-back run is drained, not taken
    assert done.get(timeout=60) == second
    assert stored_round(matching, second).status == "proposed"
    assert _proposals(matching, round_id) == 0
    assert _proposals(matching, second) == stored_round(matching, second).matches_count


def test_a_child_that_dies_mid_solve_fails_its_round_and_the_next_is_solved(
    matching: Engine, server: tuple[RoundWorker, queue.Queue[int]]
) -> None:
    worker, done = server
    pid = _child(worker)
    os.kill(pid, signal.SIGSTOP)  # it cannot answer: the round is surely solving when it dies
    try:
        round_id = _run(matching)
    finally:
        os.kill(pid, signal.SIGKILL)
    assert done.get(timeout=60) == round_id
    rnd = stored_round(matching, round_id)
    assert rnd.status == "failed"
    assert rnd.failure_reason == "solver error: the solver process stopped (exit code -9)"
    assert _proposals(matching, round_id) == 0
    again = _run(matching)
    assert done.get(timeout=60) == again
    assert stored_round(matching, again).status == "proposed"
    assert _child(worker) != pid


def test_stopping_the_server_mid_solve_leaves_the_round_to_its_lease(matching: Engine) -> None:
    worker = RoundWorker(matching, worker_id="stopping", poll_s=3600)
    worker.start()
    pid = _child(worker)
    os.kill(pid, signal.SIGSTOP)
    round_id = _run(matching, "stopping")
    worker.stop()
    rnd = stored_round(matching, round_id)
    assert (rnd.status, rnd.claimed_by) == ("running", "stopping")  # another worker re-solves it
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # and the child is gone


def _claimed_round(engine: Engine, worker_id: str) -> tuple[int, int, dict[str, Any]]:
    round_id = _run(engine, None)
    with session_scope(engine) as session:
        session.execute(update(Round).where(col(Round.id) == round_id).values(claimed_by=worker_id))
        scenario = documents.get(session, round_id, "scenario")
    assert scenario is not None
    return round_id, stored_round(engine, round_id).version, scenario


def _matched(scenario: dict[str, Any]) -> Matched:
    rows = [(scenario["deposits"][0]["id"], scenario["withdrawals"][0]["id"], 1, 3000, 0, None)]
    return Matched(status="OPTIMAL", objective=(1, 100, 3000), rows=rows)  # type: ignore[arg-type]


@pytest.mark.parametrize("early", [True, False])
def test_an_outcome_whose_claim_was_lost_is_discarded(matching: Engine, early: bool) -> None:
    round_id, version, scenario = _claimed_round(matching, "w")
    outcome = Outcome(matching, round_id, "w", version, scenario, early=early)
    with session_scope(matching) as session:  # another worker took the claim over
        session.execute(update(Round).where(col(Round.id) == round_id).values(claimed_by="w2"))
    outcome.matched(_matched(scenario), [])
    assert outcome.finish(solved_of(solver.solve(scenario)), []) == "lost"
    rnd = stored_round(matching, round_id)
    assert (rnd.status, rnd.claimed_by) == ("running", "w2")
    assert _proposals(matching, round_id) == 0


@pytest.mark.parametrize("early", [True, False])
def test_a_solve_failing_after_its_matches_stores_only_the_failure(
    matching: Engine, early: bool
) -> None:
    round_id, version, scenario = _claimed_round(matching, "w")
    outcome = Outcome(matching, round_id, "w", version, scenario, early=early)
    progress = event_row(round_id, "progress", tier="priority_fill", incumbent=1.0, elapsed_s=0.1)
    outcome.matched(_matched(scenario), [progress])
    assert outcome.fail("solver error: boom") == "failed"
    rnd = stored_round(matching, round_id)
    assert (rnd.status, rnd.failure_reason) == ("failed", "solver error: boom")
    assert _proposals(matching, round_id) == 0
    # the solve's progress is kept, then the failure
    assert _events(matching, round_id)[-2:] == [
        ("progress", None),
        ("status", "failed: solver error: boom"),
    ]


def test_no_lease_extension_waits_on_the_outcome_being_stored(
    matching: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heartbeat stops before the outcome's transaction begins: its update of the round's
    row would wait for that transaction, which waits for the heartbeat to stop (a deadlock on
    PostgreSQL, a 30 s busy wait on SQLite)."""
    real = Outcome.matched

    def slow_to_finish(self: Outcome, matched: Matched, events: list[dict[str, Any]]) -> None:
        real(self, matched, events)
        time.sleep(0.3)  # the heartbeat would tick every 10 ms meanwhile

    monkeypatch.setattr(Outcome, "matched", slow_to_finish)
    done: queue.Queue[int] = queue.Queue()
    worker = RoundWorker(matching, worker_id="hb", poll_s=3600, lease_s=0.03, on_done=done.put)
    worker.start()
    try:
        round_id = _run(matching, "hb")
        assert done.get(timeout=15) == round_id
    finally:
        worker.stop()
    assert stored_round(matching, round_id).status == "proposed"
