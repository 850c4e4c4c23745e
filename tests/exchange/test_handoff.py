"""Snapshots handed from run_round to the round worker of the same process (rounds.handoff)."""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from exchange.db import session_scope
from exchange.postings.service import create_deposit, create_withdrawal
from exchange.rounds import documents, handoff
from exchange.rounds import worker as worker_module
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.tables import Round
from exchange.rounds.worker import RoundWorker, process_next
from tests.exchange.factories import (
    ADMIN,
    PLANNER,
    deposit_payload,
    seed_reference,
    stored_round,
    withdrawal_payload,
)


@pytest.fixture
def worker_here() -> Iterator[None]:
    handoff.worker_started()
    yield
    handoff.worker_stopped()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        seed_reference(session)
        create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d1"))
        create_withdrawal(session=session, actor=ADMIN, data=withdrawal_payload(id="w1"))
    return engine


def _run(engine: Engine) -> tuple[int, int, dict[str, object]]:
    with session_scope(engine) as session:
        rnd = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r"))
        assert rnd.id is not None
        ran = run_round(session=session, actor=PLANNER, round_id=rnd.id)
        scenario = documents.get(session, rnd.id, "scenario")
        assert scenario is not None
        return rnd.id, ran.version, scenario


def test_a_committed_run_hands_its_snapshot_over_once(seeded: Engine, worker_here: None) -> None:
    round_id, version, scenario = _run(seeded)
    assert handoff.take(round_id, version - 1) is None  # another version: not this snapshot
    round_id, version, scenario = _run(seeded)
    handed = handoff.take(round_id, version)
    assert handed is not None
    assert handed[0] == scenario  # what the round stored, and its text as stored
    with session_scope(seeded) as session:
        assert handed[1] == documents.get_text(session, round_id, "scenario")
    assert handoff.take(round_id, version) is None  # taken


def test_a_rolled_back_run_hands_nothing_over(seeded: Engine, worker_here: None) -> None:
    with session_scope(seeded) as session:
        rnd = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r"))
        round_id = rnd.id
    assert round_id is not None
    versions: list[int] = []

    def run_then_fail() -> None:
        with session_scope(seeded) as session:
            versions.append(run_round(session=session, actor=PLANNER, round_id=round_id).version)
            raise RuntimeError("the request failed after the run")

    with pytest.raises(RuntimeError):
        run_then_fail()
    assert handoff.take(round_id, versions[0]) is None


def test_without_a_worker_in_the_process_nothing_is_kept(seeded: Engine) -> None:
    round_id, version, _ = _run(seeded)
    assert handoff.take(round_id, version) is None


def test_the_worker_solves_the_same_round_with_or_without_the_handoff(
    seeded: Engine, worker_here: None
) -> None:
    handed, _, _ = _run(seeded)
    assert process_next(seeded, "w") == handed
    handoff.worker_stopped()  # the next run is read back from the database
    try:
        read_back, _, _ = _run(seeded)
        assert process_next(seeded, "w") == read_back
    finally:
        handoff.worker_started()
    with session_scope(seeded) as session:
        first, second = session.get(Round, handed), session.get(Round, read_back)
        assert first is not None
        assert second is not None
        assert first.status == second.status == "proposed"
        first_result = documents.get(session, handed, "result")
        second_result = documents.get(session, read_back, "result")
        assert first_result is not None
        assert second_result is not None
        timings = ("stats",)  # solve_seconds differ
        assert {k: v for k, v in first_result.items() if k not in timings} == {
            k: v for k, v in second_result.items() if k not in timings
        }


@pytest.fixture
def claimant() -> Iterator[list[int]]:
    """A worker ``w`` registered in this process; the list counts the times it was woken."""
    woken: list[int] = []
    handoff.worker_started("w", lease_s=30, wake=lambda: woken.append(1))
    yield woken
    handoff.worker_stopped("w")


def test_a_run_claims_its_round_for_an_idle_worker_here(
    seeded: Engine,
    claimant: list[int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hrhx.rounds")
    round_id, version, scenario = _run(seeded)
    rnd = stored_round(seeded, round_id)
    assert (rnd.claimed_by, rnd.attempts) == ("w", 1)
    assert rnd.lease_until is not None
    assert claimant == [1]  # woken at commit
    assert process_next(seeded, "other") is None  # held by w's lease: nobody else claims it

    def no_claim(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a round claimed at run is not claimed again")

    monkeypatch.setattr(worker_module, "_claim", no_claim)
    assert process_next(seeded, "w") == round_id
    assert stored_round(seeded, round_id).status == "proposed"
    logged = [r.getMessage() for r in caplog.records if r.name == "hrhx.rounds"]
    assert f"round {round_id} claimed by w when it was run" in logged  # as a claim is logged
    with session_scope(seeded) as session:
        assert documents.get(session, round_id, "scenario") == scenario
    assert version == rnd.version


def test_a_busy_worker_is_not_claimed_for(seeded: Engine, claimant: list[int]) -> None:
    first, _, _ = _run(seeded)  # claimed for w, not yet taken
    assert claimant == [1]  # woken for it
    second, _, _ = _run(seeded)
    assert stored_round(seeded, first).claimed_by == "w"
    assert stored_round(seeded, second).claimed_by is None  # left to be claimed from the database
    assert claimant == [1, 1]  # woken again: it claims the second when done with the first
    assert process_next(seeded, "w") == first
    assert process_next(seeded, "w") == second
    assert stored_round(seeded, second).status == "proposed"


def test_a_rolled_back_run_releases_the_worker(seeded: Engine, claimant: list[int]) -> None:
    with session_scope(seeded) as session:
        rnd = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r"))
        round_id = rnd.id
    assert round_id is not None

    def run_then_fail() -> None:
        with session_scope(seeded) as session:
            run_round(session=session, actor=PLANNER, round_id=round_id)
            raise RuntimeError("the request failed after the run")

    with pytest.raises(RuntimeError):
        run_then_fail()
    assert claimant == []  # nothing handed over
    assert process_next(seeded, "w") is None  # nothing to do, and not waiting for a handover
    ran, _, _ = _run(seeded)
    assert stored_round(seeded, ran).claimed_by == "w"  # idle again: claimed for


def test_a_worker_stopped_is_not_claimed_for(seeded: Engine, claimant: list[int]) -> None:
    handoff.worker_stopped("w")
    handoff.worker_started()  # the fixture's stop then balances this one
    round_id, _, _ = _run(seeded)
    assert stored_round(seeded, round_id).claimed_by is None


def test_a_server_worker_is_woken_by_a_run_and_reports_each_round_done(seeded: Engine) -> None:
    """The round worker thread of a server: a run claims for it and wakes it (it would poll only
    an hour later), it solves the round and reports it done (``on_done``)."""
    done: queue.Queue[int] = queue.Queue()
    round_worker = RoundWorker(seeded, worker_id="server", poll_s=3600, on_done=done.put)
    round_worker.start()
    try:
        round_id, _, _ = _run(seeded)
        assert done.get(timeout=60) == round_id
    finally:
        round_worker.stop()
    rnd = stored_round(seeded, round_id)
    assert (rnd.status, rnd.attempts) == ("proposed", 1)
