"""A server's round worker solving in its child process (exchange.rounds.solver_process) and
storing the outcome (exchange.rounds.outcome): what is stored, and what happens when the run
rolls back, the child dies, the claim is lost or the server stops."""

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
from exchange.rounds import documents, outcome, worker
from exchange.rounds.events import event_row
from exchange.rounds.jobs import Lease
from exchange.rounds.outcome import store_failed, store_proposed
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.solving import Solved, solved_of
from exchange.rounds.tables import Round, RoundEvent
from exchange.rounds.worker import RoundWorker, process_all
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


def _wait_solving(worker: RoundWorker) -> None:
    """Wait until the worker has sent a round to its solver process."""
    assert worker.solver is not None
    deadline = time.monotonic() + 30
    while not worker.solver.solving:
        assert time.monotonic() < deadline, "the worker never began a solve"
        time.sleep(0.005)


def _run(engine: Engine, worker: RoundWorker | None = None) -> int:
    with session_scope(engine) as session:
        round_id = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r")).id
        assert round_id is not None
        run_round(session=session, actor=PLANNER, round_id=round_id)
    if worker is not None:
        worker.wake()  # as the API does once the run committed
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
    round_id = _run(matching, worker)
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


def test_a_rolled_back_run_is_never_solved(
    matching: Engine, server: tuple[RoundWorker, queue.Queue[int]]
) -> None:
    worker, done = server
    with session_scope(matching) as session:
        round_id = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r")).id
        assert round_id is not None

    def run_then_fail() -> None:
        with session_scope(matching) as session:
            run_round(session=session, actor=PLANNER, round_id=round_id)
            worker.wake()  # even woken while the run is not committed, the worker finds no job
            time.sleep(0.3)
            raise RuntimeError("the request failed after the run")

    with pytest.raises(RuntimeError):
        run_then_fail()

    assert stored_round(matching, round_id).status == "draft"
    assert process_all(matching) == []  # nor does any other worker, later
    assert done.empty()
    second = _run(matching, worker)
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
        round_id = _run(matching, worker)
        _wait_solving(worker)
    finally:
        os.kill(pid, signal.SIGKILL)
    assert done.get(timeout=60) == round_id
    rnd = stored_round(matching, round_id)
    assert rnd.status == "failed"
    assert rnd.failure_reason == "solver error: the solver process stopped (exit code -9)"
    assert _proposals(matching, round_id) == 0
    again = _run(matching, worker)
    assert done.get(timeout=60) == again
    assert stored_round(matching, again).status == "proposed"
    assert _child(worker) != pid


def test_stopping_the_server_mid_solve_leaves_the_round_to_its_lease(matching: Engine) -> None:
    worker = RoundWorker(matching, worker_id="stopping", poll_s=3600)
    worker.start()
    pid = _child(worker)
    os.kill(pid, signal.SIGSTOP)
    round_id = _run(matching, worker)
    _wait_solving(worker)
    worker.stop()
    rnd = stored_round(matching, round_id)
    assert (rnd.status, rnd.claimed_by) == ("running", "stopping")  # another worker re-solves it
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # and the child is gone


def _claimed_round(engine: Engine, worker_id: str) -> tuple[Lease, dict[str, Any]]:
    round_id = _run(engine)
    with session_scope(engine) as session:
        session.execute(update(Round).where(col(Round.id) == round_id).values(claimed_by=worker_id))
        scenario = documents.get(session, round_id, "scenario")
    assert scenario is not None
    return Lease(round_id, worker_id, stored_round(engine, round_id).version), scenario


def test_an_outcome_whose_claim_was_lost_is_discarded(matching: Engine) -> None:
    lease, scenario = _claimed_round(matching, "w")
    with session_scope(matching) as session:  # another worker took the claim over
        session.execute(
            update(Round).where(col(Round.id) == lease.round_id).values(claimed_by="w2")
        )
    assert store_proposed(matching, lease, scenario, solved_of(solver.solve(scenario)), []) == (
        "lost"
    )
    assert store_failed(matching, lease, "solver error: boom") == "lost"
    rnd = stored_round(matching, lease.round_id)
    assert (rnd.status, rnd.claimed_by) == ("running", "w2")
    assert _proposals(matching, lease.round_id) == 0


def test_a_failed_solve_keeps_its_progress_then_the_failure(matching: Engine) -> None:
    lease, _scenario = _claimed_round(matching, "w")
    progress = event_row(
        lease.round_id, "progress", tier="priority_fill", incumbent=1.0, elapsed_s=0.1
    )
    assert store_failed(matching, lease, "solver error: boom", [progress]) == "failed"
    rnd = stored_round(matching, lease.round_id)
    assert (rnd.status, rnd.failure_reason, rnd.claimed_by) == (
        "failed",
        "solver error: boom",
        None,
    )
    assert _proposals(matching, lease.round_id) == 0
    assert _events(matching, lease.round_id)[-2:] == [
        ("progress", None),
        ("status", "failed: solver error: boom"),
    ]


def test_no_lease_extension_waits_on_the_outcome_being_stored(
    matching: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heartbeat stops before the outcome's transaction begins: its update of the round's
    row would wait for that transaction (a deadlock on PostgreSQL, a busy wait on SQLite)."""
    real = outcome.store_proposed

    def slow_to_store(
        engine: Engine, lease: Lease, scenario: dict[str, Any], solved: Solved, events: Any
    ) -> str:
        with session_scope(engine) as session:  # the round's row held for a while
            session.execute(
                update(Round).where(col(Round.id) == lease.round_id).values(name="held")
            )
            time.sleep(0.3)  # a heartbeat would tick every 10 ms meanwhile
        return real(engine, lease, scenario, solved, events)

    monkeypatch.setattr(worker, "store_proposed", slow_to_store)
    done: queue.Queue[int] = queue.Queue()
    hb = RoundWorker(matching, worker_id="hb", poll_s=3600, lease_s=0.03, on_done=done.put)
    hb.start()
    try:
        round_id = _run(matching, hb)
        assert done.get(timeout=15) == round_id
    finally:
        hb.stop()
    assert stored_round(matching, round_id).status == "proposed"
