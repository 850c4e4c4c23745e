"""The round worker: claims are exclusive, dead workers' rounds are re-solved or failed."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from exchange.db import session_scope
from exchange.rounds import worker as worker_module
from exchange.rounds.jobs import Lease, claim_next, fail_exhausted
from exchange.rounds.tables import Round
from exchange.rounds.worker import RoundWorker, process_next, solve_claimed
from exchange.timestamps import utcnow
from tests.api.conftest import Api, deposit, withdrawal


def _running_round(api: Api, cadre: str = "2221") -> int:
    """A running round of its own cadre's postings (a live round holds them; API.md)."""
    api.post("phl", "/v1/deposits", json=deposit(cadre=cadre))
    api.post("deu", "/v1/withdrawals", json=withdrawal(cadre=cadre))
    rid = api.post("planner", "/v1/rounds", json={"cadres": [cadre]}).json()["id"]
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    return rid


def _interrupted_too_often(api: Api, round_id: int) -> None:
    """Leave the round as a worker that died on its last allowed attempt leaves it."""
    with session_scope(api.engine) as s:
        s.execute(
            update(Round)
            .where(col(Round.id) == round_id)
            .values(claimed_by="gone", attempts=3, lease_until=utcnow() - timedelta(seconds=1))
        )


def test_concurrent_claims_give_a_round_to_exactly_one_worker(api: Api) -> None:
    rid = _running_round(api)
    claims: list[int | None] = []
    barrier = threading.Barrier(4)

    def go(i: int) -> None:
        barrier.wait()
        lease = claim_next(api.engine, f"w{i}")
        claims.append(lease.round_id if lease else None)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claims, key=str) == [rid, None, None, None]


def test_a_dead_workers_round_is_solved_again_after_its_lease(api: Api) -> None:
    rid = _running_round(api)
    dead = claim_next(api.engine, "dead-worker")
    assert dead == Lease(rid, "dead-worker", dead.version if dead else 0)
    assert process_next(api.engine, "live") is None  # the lease holds
    with session_scope(api.engine) as s:
        s.execute(
            update(Round)
            .where(col(Round.id) == rid)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert process_next(api.engine, "live") == rid
    got = api.get("viewer", f"/v1/rounds/{rid}").json()
    assert got["status"] == "proposed"
    assert got["attempts"] == 2
    # the dead worker waking up cannot store anything any more
    assert dead is not None
    assert solve_claimed(api.engine, dead) == "lost"
    assert api.get("viewer", f"/v1/rounds/{rid}/proposals").json()["count"] == 1


def test_a_round_interrupted_too_often_fails_with_reason_interrupted(api: Api) -> None:
    rid = _running_round(api)
    _interrupted_too_often(api, rid)
    assert fail_exhausted(api.engine) == [rid]
    got = api.get("viewer", f"/v1/rounds/{rid}").json()
    assert got["status"] == "failed"
    assert got["failure_reason"] == "interrupted"


def test_the_worker_logs_each_round_it_claims_proposes_or_fails(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator reading the server's log sees every round's outcome (``hrhx.rounds``)."""
    caplog.set_level(logging.INFO, logger="hrhx.rounds")
    rid = _running_round(api)
    assert process_next(api.engine, "logged") == rid
    lines = [r.getMessage() for r in caplog.records if r.name == "hrhx.rounds"]
    assert f"round {rid} claimed by logged" in lines
    assert any(
        line.startswith(f"round {rid} proposed: OPTIMAL, 1 matches, objective 30/1000/30000")
        for line in lines
    ), lines
    stuck = _running_round(api, cadre="2211")
    _interrupted_too_often(api, stuck)
    assert fail_exhausted(api.engine) == [stuck]
    failed = [r for r in caplog.records if r.getMessage().startswith(f"round {stuck} failed")]
    assert [r.levelno for r in failed] == [logging.WARNING]


def test_a_busy_database_is_one_warning_and_the_worker_goes_on(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite busy beyond its timeout (or PostgreSQL unreachable) is passing: a one-line warning,
    no traceback, and the next poll solves the round."""
    rid = _running_round(api)
    calls = [0]
    real = worker_module.process_next

    def busy_once(*args: Any, **kwargs: Any) -> int | None:
        calls[0] += 1
        if calls[0] == 1:
            raise OperationalError(
                "UPDATE rounds", {}, sqlite3.OperationalError("database is locked")
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(worker_module, "process_next", busy_once)
    caplog.set_level(logging.INFO, logger="hrhx.rounds")
    round_worker = RoundWorker(api.engine, worker_id="busy-test", poll_s=0.05)
    round_worker.start()
    try:
        deadline = time.monotonic() + 20
        while api.get("planner", f"/v1/rounds/{rid}").json()["status"] == "running":
            assert time.monotonic() < deadline, "the round was not solved after the busy error"
            time.sleep(0.05)
    finally:
        round_worker.stop()
    warned = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(warned) == 1
    assert warned[0].levelno == logging.WARNING
    assert warned[0].exc_info is None
    assert warned[0].getMessage().endswith("database is locked")
    assert api.get("planner", f"/v1/rounds/{rid}").json()["status"] == "proposed"


@pytest.mark.parametrize("in_child", [True, False])
def test_a_serving_app_solves_rounds_as_configured(api: Api, in_child: bool) -> None:
    """``hrhx serve``'s app: its worker solves a round run through HTTP, in a child process
    (the default) or, with ``HRHX_SOLVE_IN_CHILD=0``, in its own thread."""
    import os
    import warnings

    with warnings.catch_warnings():  # as in tests/api/conftest.py
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api.app import create_app
    from exchange.config import Settings

    app = create_app(
        Settings(solve_in_child=in_child), engine=api.engine, start_worker=True, worker_poll_s=0.05
    )
    headers = {"Authorization": f"Bearer {api.tokens['planner']}"}
    with TestClient(app) as client:
        worker = app.state.worker
        assert (worker.solver is not None) == in_child
        if in_child:
            assert worker.solver.pid not in (None, os.getpid())
        api.post("phl", "/v1/deposits", json=deposit())
        api.post("deu", "/v1/withdrawals", json=withdrawal())
        rid = client.post("/v1/rounds", json={}, headers=headers).json()["id"]
        assert client.post(f"/v1/rounds/{rid}/run", headers=headers).status_code == 202
        deadline = time.monotonic() + 60
        while (status := client.get(f"/v1/rounds/{rid}", headers=headers).json()["status"]) == (
            "running"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert status == "proposed"
        proposals = client.get("/v1/proposals", params={"round": rid}, headers=headers).json()
        assert proposals["count"] >= 1
