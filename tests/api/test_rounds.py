"""Rounds through HTTP: create, run (202), solve, read scenario/result/proposals, events, close."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from api.routers import rounds as rounds_router
from tests.api.conftest import Api, deposit, make_round, withdrawal


def test_round_lifecycle_and_roles(api: Api) -> None:
    assert api.post("phl", "/v1/rounds", json={}).status_code == 403
    assert api.post("viewer", "/v1/rounds", json={}).status_code == 403
    bad = api.post("planner", "/v1/rounds", json={"policy": {"safeguard_mode": "x", "zz": 1}})
    assert bad.status_code == 422
    assert len(bad.json()["errors"]) == 2
    assert api.post("planner", "/v1/rounds", json={"plicy": {}}).status_code == 422
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    r = api.post("planner", "/v1/rounds", json={"policy": {"time_limit_s": 5}, "name": "r1"})
    assert r.status_code == 201
    rid = r.json()["id"]
    assert r.json()["status"] == "draft"
    assert api.post("phl", f"/v1/rounds/{rid}/run").status_code == 403
    ran = api.post("planner", f"/v1/rounds/{rid}/run")
    assert ran.status_code == 202
    assert ran.json()["status"] == "running"  # recorded before answering
    assert ran.json()["deposits_count"] == 1
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 409
    assert api.get("viewer", f"/v1/rounds/{rid}/result").status_code == 404
    assert api.solve() == [rid]
    got = api.get("phl", f"/v1/rounds/{rid}").json()
    assert got["status"] == "proposed"
    assert got["objective"]["priority_fill"] == 30
    assert got["matches_count"] == 1
    assert api.get("viewer", "/v1/rounds").json()["count"] == 1
    assert api.get("viewer", "/v1/rounds?status=draft").json()["count"] == 0
    assert api.get("viewer", "/v1/rounds/999").status_code == 404


def test_scenario_reproduces_the_result(api: Api) -> None:
    rnd = make_round(api)
    rid = rnd["id"]
    assert api.get("phl", f"/v1/rounds/{rid}/scenario").status_code == 403
    scenario = api.get("viewer", f"/v1/rounds/{rid}/scenario").json()
    assert scenario["deposits"][0]["count"] == 10
    result = api.get("viewer", f"/v1/rounds/{rid}/result").json()
    out = subprocess.run(
        [sys.executable, "-m", "solver", "-"],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        check=True,
    )
    again = json.loads(out.stdout)
    assert again["matches"] == result["matches"]
    assert again["objective"] == result["objective"]


def test_focal_points_see_their_own_lines(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    api.post("jpn", "/v1/withdrawals", json=withdrawal("JPN", count=5, cadre="2211"))
    rnd = make_round(api, post=False)
    rid = rnd["id"]
    full = api.get("planner", f"/v1/rounds/{rid}/result").json()
    assert len(full["unmatched"]["withdrawals"]) == 1
    jpn = api.get("jpn", f"/v1/rounds/{rid}/result").json()
    assert jpn["matches"] == []
    assert [u["id"] for u in jpn["unmatched"]["withdrawals"]] == [
        full["unmatched"]["withdrawals"][0]["id"]
    ]
    phl = api.get("phl", f"/v1/rounds/{rid}/result").json()
    assert len(phl["matches"]) == 1
    assert phl["unmatched"]["withdrawals"] == []
    assert api.get("phl", f"/v1/rounds/{rid}/proposals").json()["count"] == 1
    assert api.get("jpn", f"/v1/rounds/{rid}/proposals").json()["count"] == 0
    assert api.get("viewer", f"/v1/rounds/{rid}/proposals").json()["count"] == 1


def test_events_stream_progress_until_the_round_leaves_running(api: Api) -> None:
    rnd = make_round(api)
    rid = rnd["id"]
    with api.client.stream(
        "GET", f"/v1/rounds/{rid}/events", headers={"Authorization": f"Bearer {api.tokens['phl']}"}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    frames = [f for f in text.split("\n\n") if f.strip()]
    kinds = [
        line.split(": ", 1)[1]
        for f in frames
        for line in f.splitlines()
        if line.startswith("event: ")
    ]
    assert "progress" in kinds
    assert kinds[-1] == "end"
    progress = [
        json.loads(line[6:])
        for f in frames
        if "event: progress" in f
        for line in f.splitlines()
        if line.startswith("data: ")
    ]
    assert {"tier", "incumbent", "bound", "elapsed_s"} <= set(progress[0])
    assert '"status": "proposed"' in frames[-1]
    assert api.get(None, f"/v1/rounds/{rid}/events").status_code == 401


def test_events_resume_after_last_event_id_and_refuse_a_bad_one(api: Api) -> None:
    rid = make_round(api)["id"]
    auth = {"Authorization": f"Bearer {api.tokens['phl']}"}
    with api.client.stream("GET", f"/v1/rounds/{rid}/events", headers=auth) as r:
        ids = [int(line[4:]) for line in r.iter_lines() if line.startswith("id: ")]
    assert len(ids) >= 2
    headers = {**auth, "Last-Event-ID": str(ids[-2])}
    with api.client.stream("GET", f"/v1/rounds/{rid}/events", headers=headers) as r:
        resumed = [int(line[4:]) for line in r.iter_lines() if line.startswith("id: ")]
    assert resumed == ids[-1:]
    for bad in ("99999999999999999999999", "abc", "-1"):
        r = api.get("phl", f"/v1/rounds/{rid}/events", headers={"Last-Event-ID": bad})
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["loc"] == ["header", "Last-Event-ID"]


def test_a_quiet_stream_is_kept_alive(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tier can run for minutes without progress: the stream then sends comment lines, which
    EventSource ignores, so that proxies do not drop it as idle."""
    monkeypatch.setattr(rounds_router, "EVENT_KEEPALIVE_S", 0.3)
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    rid = api.post("planner", "/v1/rounds", json={}).json()["id"]
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 202  # nobody solves it
    auth = {"Authorization": f"Bearer {api.tokens['phl']}"}
    # solved in 3 s whatever happens, so that a stream without keep-alives ends (and the test fails)
    solver = threading.Timer(3.0, api.solve)
    solver.start()
    seen: list[str] = []
    try:
        with api.client.stream("GET", f"/v1/rounds/{rid}/events", headers=auth) as r:
            for line in r.iter_lines():
                seen.append(line)
                if line == ": keep-alive":
                    break
    finally:
        solver.join()
    assert ": keep-alive" in seen
    assert [line for line in seen if line.startswith("event: ")] == ["event: status"]


def test_failed_round_reports_a_reason_and_can_run_again(api: Api) -> None:
    # a cadre filter on no postings still solves (empty round); an invalid policy cannot pass the
    # create check, so force a failure through a snapshot the solver rejects
    from exchange.db import session_scope
    from exchange.rounds import documents

    rid = api.post("planner", "/v1/rounds", json={}).json()["id"]
    api.post("planner", f"/v1/rounds/{rid}/run")
    with session_scope(api.engine) as s:
        documents.put(s, rid, "scenario", {"as_of": "bad"})
    api.solve()
    got = api.get("viewer", f"/v1/rounds/{rid}").json()
    assert got["status"] == "failed"
    assert got["failure_reason"].startswith("invalid scenario")
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    api.solve()
    assert api.get("viewer", f"/v1/rounds/{rid}").json()["status"] == "proposed"
