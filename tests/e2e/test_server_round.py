"""End to end: the real server (``hrhx serve``) in a subprocess on a temporary SQLite file; a whole
round driven over HTTP, solved by the server's own worker thread."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from exchange.db import make_engine
from exchange.migrate import upgrade
from tests.api.conftest import deposit, seed, withdrawal
from tests.servers import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    url = f"sqlite:///{(tmp_path / 'e2e.sqlite3').as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    tokens = seed(engine)
    engine.dispose()
    env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp_path)}
    # ``hrhx serve``, the command a deployment runs
    log = tmp_path / "server.log"
    proc = ServerProcess(["-m", "api.cli", "serve"], env=env, log=log)
    try:
        yield proc.start().base, tokens, log
    finally:
        proc.stop()


def test_a_whole_round_over_http(server: tuple[str, dict[str, str], Path]) -> None:
    base, tokens, log = server

    def client(who: str) -> httpx.Client:
        return httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {tokens[who]}"}, timeout=30
        )

    phl, deu, planner, viewer = client("phl"), client("deu"), client("planner"), client("viewer")
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["database"]["url"].endswith("e2e.sqlite3")
        r = phl.post("/v1/deposits", json=deposit(count=12), headers={"Idempotency-Key": "e2e"})
        assert r.status_code == 201, r.text
        assert deu.post("/v1/withdrawals", json=withdrawal(count=10)).status_code == 201
        rid = planner.post("/v1/rounds", json={"policy": {"time_limit_s": 10}}).json()["id"]
        ran = planner.post(f"/v1/rounds/{rid}/run")
        assert ran.status_code == 202
        events = []
        with viewer.stream("GET", f"/v1/rounds/{rid}/events") as stream:
            assert stream.status_code == 200
            name = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    events.append((name, json.loads(line[6:])))
        assert events[-1] == ("end", {"status": "proposed"})
        assert any(kind == "progress" for kind, _ in events)
        assert viewer.get(f"/v1/rounds/{rid}").json()["status"] == "proposed"
        proposals = viewer.get(f"/v1/rounds/{rid}/proposals").json()["data"]
        assert len(proposals) == 1
        pid = proposals[0]["id"]
        assert deu.post(f"/v1/proposals/{pid}/accept").json()["status"] == "accepted_by_destination"
        assert phl.post(f"/v1/proposals/{pid}/accept").json()["status"] == "confirmed"
        report = planner.post(f"/v1/rounds/{rid}/close").json()
        assert report["booked"] == [pid]
        ledger = phl.get("/v1/ledger/PHL").json()
        assert ledger["balances"]["workers_out"] == -10
        assert ledger["balances"]["benefit_receivable"] == 30000
        csv = viewer.get("/v1/dashboard/flows", params={"format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[1] == "PHL,DEU,2221,10,30000"
        remaining = phl.get("/v1/deposits").json()["data"][0]["remaining"]
        assert remaining == 2
        # after the match: the placement, an event, a payment, the indicators (issue 20)
        [placement] = phl.get("/v1/placements").json()["data"]
        url = f"/v1/placements/{placement['id']}"
        month = placement["start_month"]
        departed = {"kind": "departed", "workers": 10, "month": month}
        assert deu.post(f"{url}/events", json=departed).status_code == 201
        paid = deu.post(f"{url}/payments", json={"amount_usd": 12_000, "month": month})
        assert paid.status_code == 201, paid.text
        assert phl.get(url).json()["stages"]["departed"] == 10
        [owed] = phl.get("/v1/ledger/PHL").json()["counterparts"]
        assert (owed["promised"], owed["delivered"], owed["outstanding"]) == (30000, 12000, 18000)
        indicators = {i["id"]: i["rows"] for i in viewer.get("/v1/indicators").json()["indicators"]}
        assert indicators["workers_by_route"][0]["workers"] == 10
        # the operator's view: the server's log names the round's outcome
        assert f"INFO:     round {rid} proposed: OPTIMAL, 1 matches" in log.read_text()
    finally:
        for c in (phl, deu, planner, viewer):
            c.close()
