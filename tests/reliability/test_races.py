"""Races through a real uvicorn server (in a thread of this process) with real client threads, on
SQLite and PostgreSQL: one proposal answered 50 times at once, one version edited 20 times at once,
one round closed (and run) 20 times at once: exactly one wins; the others get 409 or 412. And the
two sides of a proposal accepting at once: both win, the proposal is confirmed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.app import create_app
from exchange.audit.tables import AuditEvent
from exchange.config import Settings
from exchange.ledger.tables import LedgerEntry
from exchange.rounds.worker import process_all
from tests.api.conftest import deposit, seed, withdrawal
from tests.reliability.conftest import AGREEMENT
from tests.servers import free_port

log = logging.getLogger(__name__)
N_ANSWERS = 50
N_EDITS = 20
N_CLOSES = 20


@dataclass
class Live:
    base: str
    tokens: dict[str, str]
    engine: Engine

    def call(self, who: str, method: str, path: str, **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kw.pop("headers", {})}
        return httpx.request(method, self.base + path, headers=headers, timeout=60, **kw)


@pytest.fixture
def live(engine: Engine) -> Iterator[Live]:
    tokens = seed(engine)
    app = create_app(Settings(rate_limit_per_minute=0), engine=engine)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Live(f"http://127.0.0.1:{port}", tokens, engine)
    finally:
        server.should_exit = True
        thread.join(10)


def race(calls: list[Callable[[], httpx.Response]]) -> Counter[int]:
    """Run ``calls`` at once (a barrier releases every thread together); their status codes."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = []
    lock = threading.Lock()

    def go(call: Callable[[], httpx.Response]) -> None:
        barrier.wait()
        status = call().status_code
        with lock:
            codes.append(status)

    threads = [threading.Thread(target=go, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(codes) == len(calls)
    return Counter(codes)


def _proposed_round(live: Live, pairs: int = 1) -> tuple[int, list[dict]]:
    for _ in range(pairs):
        assert live.call("phl", "POST", "/v1/deposits", json=deposit()).status_code == 201
        assert live.call("deu", "POST", "/v1/withdrawals", json=withdrawal()).status_code == 201
    rid = live.call("planner", "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
    assert live.call("planner", "POST", f"/v1/rounds/{rid}/run").status_code == 202
    process_all(live.engine, "race-worker")
    rows = live.call("planner", "GET", f"/v1/rounds/{rid}/proposals").json()["data"]
    assert rows
    return rid, rows


def _audit(engine: Engine, entity: str, entity_id: str) -> list[str]:
    with Session(engine) as s:
        rows = s.exec(
            select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        ).all()
        return [r.action for r in rows]


def test_50_concurrent_answers_to_one_proposal(live: Live) -> None:
    _, rows = _proposed_round(live, pairs=2)
    mixed, same_side = rows[0]["id"], rows[1]["id"]
    # an admin's accept confirms (both sides), its decline declines: either ends the proposal
    calls = [
        (lambda a=action: live.call("admin", "POST", f"/v1/proposals/{mixed}/{a}"))
        for action in ["accept", "decline"] * (N_ANSWERS // 2)
    ]
    codes = race(calls)
    assert codes == Counter({200: 1, 409: N_ANSWERS - 1}), codes
    got = live.call("planner", "GET", f"/v1/proposals/{mixed}").json()
    assert got["status"] in ("confirmed", "declined")
    assert got["version"] == 2
    assert len(_audit(live.engine, "proposal", str(mixed))) == 1
    # one side accepting 50 times at once: one acceptance
    codes = race(
        [lambda: live.call("phl", "POST", f"/v1/proposals/{same_side}/accept")] * N_ANSWERS
    )
    assert codes == Counter({200: 1, 409: N_ANSWERS - 1}), codes
    assert live.call("phl", "GET", f"/v1/proposals/{same_side}").json()["version"] == 2
    log.info("races: %d answers to one proposal, one transition", 2 * N_ANSWERS)


def test_both_sides_accepting_at_once_confirm(live: Live) -> None:
    """The origin and the destination accept the same proposal at the same moment: different
    steps, both succeed (each judged on the state the other left), and the proposal is confirmed;
    before, one of them got 409 and the proposal stayed half-accepted, then expired at close."""
    _, rows = _proposed_round(live, pairs=6)
    for row in rows:
        pid = row["id"]
        codes = race(
            [
                lambda p=pid: live.call("phl", "POST", f"/v1/proposals/{p}/accept"),
                lambda p=pid: live.call("deu", "POST", f"/v1/proposals/{p}/accept"),
            ]
        )
        assert codes == Counter({200: 2}), (pid, codes)
        got = live.call("planner", "GET", f"/v1/proposals/{pid}").json()
        assert got["status"] == "confirmed", got
        assert got["version"] == 3
        assert _audit(live.engine, "proposal", str(pid)) == ["proposal.accept"] * 2


def test_one_id_created_at_once_is_created_once(live: Live) -> None:
    """Concurrent creations with one client-chosen id: one 201, the others 409 like a later
    duplicate (PostgreSQL's unique violation of the losers was a 500)."""
    codes = race(
        [lambda: live.call("phl", "POST", "/v1/deposits", json=deposit(id="dep-race-1"))] * 8
    )
    assert codes == Counter({201: 1, 409: 7}), codes
    assert _audit(live.engine, "deposit", "dep-race-1") == ["deposit.create"]


def test_concurrent_edits_with_one_version(live: Live) -> None:
    made = live.call("phl", "POST", "/v1/deposits", json=deposit())
    did, etag = made.json()["id"], made.headers["ETag"]
    calls = [
        (
            lambda n=n: live.call(
                "phl",
                "PATCH",
                f"/v1/deposits/{did}",
                json={"count": 20 + n},
                headers={"If-Match": etag},
            )
        )
        for n in range(N_EDITS)
    ]
    codes = race(calls)
    assert codes == Counter({200: 1, 412: N_EDITS - 1}), codes
    assert live.call("phl", "GET", f"/v1/deposits/{did}").json()["version"] == 2
    assert _audit(live.engine, "deposit", did).count("deposit.update") == 1
    # and the same for deletes (withdrawing the deposit) racing edits on the new version
    etag = live.call("phl", "GET", f"/v1/deposits/{did}").headers["ETag"]
    calls = [
        (lambda: live.call("phl", "DELETE", f"/v1/deposits/{did}", headers={"If-Match": etag}))
        for _ in range(N_EDITS // 2)
    ] + [
        (
            lambda: live.call(
                "phl", "PATCH", f"/v1/deposits/{did}", json={"count": 5}, headers={"If-Match": etag}
            )
        )
        for _ in range(N_EDITS // 2)
    ]
    codes = race(calls)
    assert codes[200] == 1, codes
    assert codes[200] + codes[412] + codes[409] == N_EDITS, codes


def test_concurrent_edits_of_an_agreement(live: Live) -> None:
    made = live.call("planner", "POST", "/v1/agreements", json=AGREEMENT)
    aid, etag = made.json()["id"], made.headers["ETag"]
    calls = [
        (
            lambda n=n: live.call(
                "planner",
                "PATCH",
                f"/v1/agreements/{aid}",
                json={"benefit_usd_per_worker": n},
                headers={"If-Match": etag},
            )
        )
        for n in range(N_EDITS)
    ]
    codes = race(calls)
    assert codes == Counter({200: 1, 412: N_EDITS - 1}), codes
    assert live.call("planner", "GET", f"/v1/agreements/{aid}").json()["version"] == 2


def test_concurrent_closes_of_one_round(live: Live) -> None:
    rid, rows = _proposed_round(live)
    pid = rows[0]["id"]
    assert live.call("phl", "POST", f"/v1/proposals/{pid}/accept").status_code == 200
    assert live.call("deu", "POST", f"/v1/proposals/{pid}/accept").status_code == 200
    codes = race([lambda: live.call("planner", "POST", f"/v1/rounds/{rid}/close")] * N_CLOSES)
    assert codes == Counter({200: 1, 409: N_CLOSES - 1}), codes
    with Session(live.engine) as s:
        entries = s.exec(select(LedgerEntry).where(LedgerEntry.round_id == rid)).all()
    assert len(entries) == 4  # one booking: workers out/in, benefit receivable/payable
    dep = live.call("phl", "GET", f"/v1/deposits/{rows[0]['deposit_id']}").json()
    assert dep["remaining"] == 0
    # runs of one draft round race too
    rid = live.call("planner", "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
    codes = race([lambda: live.call("planner", "POST", f"/v1/rounds/{rid}/run")] * N_CLOSES)
    assert codes == Counter({202: 1, 409: N_CLOSES - 1}), codes
