"""Limits: request body size (413), postings per import, page size, solver time limit and round
size (422), and the per-token rate limit (429 with Retry-After); each a problem+json error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from api.app import create_app
from api.limits import TokenBuckets
from exchange.config import Settings, get_settings
from tests.api.conftest import Api, deposit, withdrawal
from tests.reliability.conftest import TestClient, open_api
from tests.reliability.routes import app_routes

PAGED = (
    "/v1/deposits",
    "/v1/withdrawals",
    "/v1/agreements",
    "/v1/rounds",
    "/v1/proposals",
    "/v1/ledger/PHL",
)


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


@pytest.fixture
def small(engine: Engine, clear_settings_cache: None, monkeypatch) -> Iterator[Api]:
    """An app with small limits (in the app's settings and in the process's, for services)."""
    env = {
        "HRHX_MAX_BODY_BYTES": "2000",
        "HRHX_RATE_LIMIT_PER_MINUTE": "0",
        "HRHX_MAX_PAGE_SIZE": "50",
        "HRHX_SOLVER_TIME_LIMIT_S": "5",
        "HRHX_MAX_ROUND_POSTINGS": "3",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    api, client = open_api(engine, Settings())
    try:
        yield api
    finally:
        client.__exit__(None, None, None)


def test_body_over_the_cap_is_413(small: Api) -> None:
    big = deposit(notes="x" * 3000)
    body = _problem(small.post("phl", "/v1/deposits", json=big), 413)
    assert "2000 bytes" in body["detail"]
    # a body without Content-Length (chunked) is counted as it streams in
    raw = b'{"pad": "' + b"y" * 5000 + b'"}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(raw), 512):
            yield raw[i : i + 512]

    r = small.post("phl", "/v1/deposits", content=chunks(), headers={"Content-Type": "x/json"})
    _problem(r, 413)
    # under the cap, the request goes through
    assert small.post("phl", "/v1/deposits", json=deposit()).status_code == 201


def test_page_size_is_capped_everywhere(small: Api) -> None:
    for url in PAGED:
        assert small.get("planner", f"{url}?limit=50").status_code == 200, url
        body = _problem(small.get("planner", f"{url}?limit=51"), 422)
        assert body["errors"][0]["loc"][-1] == "limit", body


def test_solver_time_limit_is_capped(small: Api) -> None:
    body = _problem(small.post("planner", "/v1/rounds", json={"policy": {"time_limit_s": 6}}), 422)
    assert body["errors"][0]["loc"] == ["body", "policy", "time_limit_s"]
    made = small.post("planner", "/v1/rounds", json={"policy": {}})  # default 30 s, clamped to 5
    assert made.status_code == 201
    assert small.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    rid = made.json()["id"]
    assert small.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    scenario = small.get("planner", f"/v1/rounds/{rid}/scenario").json()
    assert scenario["policy"]["time_limit_s"] == 5


def test_round_size_is_capped(small: Api) -> None:
    for _ in range(2):
        assert small.post("phl", "/v1/deposits", json=deposit()).status_code == 201
        assert small.post("deu", "/v1/withdrawals", json=withdrawal()).status_code == 201
    rid = small.post("planner", "/v1/rounds", json={"policy": {}}).json()["id"]
    body = _problem(small.post("planner", f"/v1/rounds/{rid}/run"), 422)
    assert "4 open postings" in body["detail"]
    assert "at most 3" in body["detail"]
    assert small.get("planner", f"/v1/rounds/{rid}").json()["status"] == "draft"
    # narrowed to fewer postings, it runs
    rid = small.post("planner", "/v1/rounds", json={"policy": {}, "countries": ["PHL"]})
    assert small.post("planner", f"/v1/rounds/{rid.json()['id']}/run").status_code == 202


def test_round_model_size_is_capped(
    rapi: Api, clear_settings_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond HRHX_MAX_ROUND_CLASS_PAIRS (solver.limits) the round fails with a reason that says
    what to narrow, and nothing is proposed; within it, the same postings are solved."""
    for i in range(2):  # postings that differ, so that they form 2 x 2 classes, all eligible
        assert (
            rapi.post("phl", "/v1/deposits", json=deposit(max_duration_months=12 + i)).status_code
            == 201
        )
        assert (
            rapi.post("deu", "/v1/withdrawals", json=withdrawal(priority=1 + i)).status_code == 201
        )
    monkeypatch.setenv("HRHX_MAX_ROUND_CLASS_PAIRS", "3")
    rid = rapi.post("planner", "/v1/rounds", json={"policy": {}}).json()["id"]
    assert rapi.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    rapi.solve()
    got = rapi.get("planner", f"/v1/rounds/{rid}").json()
    assert got["status"] == "failed"
    assert got["failure_reason"].startswith("too large: more than 3 eligible pairs of posting")
    assert "narrow the round with countries or cadres" in got["failure_reason"]
    assert rapi.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"] == []
    monkeypatch.setenv("HRHX_MAX_ROUND_CLASS_PAIRS", "4")
    get_settings.cache_clear()
    assert rapi.post("planner", f"/v1/rounds/{rid}/run").status_code == 202  # a failed round
    rapi.solve()
    assert rapi.get("planner", f"/v1/rounds/{rid}").json()["status"] == "proposed"


def test_postings_per_request(small: Api, engine: Engine) -> None:
    """One posting per POST (a list is refused); an import is capped in rows (and in bytes)."""
    _problem(small.post("phl", "/v1/deposits", json=[deposit(), deposit()]), 422)
    routes = app_routes(small.client.app)  # type: ignore[arg-type]
    if ("POST", "/v1/deposits/import") not in {(r.method, r.path) for r in routes}:
        pytest.skip("no import route in this app")
    from exchange.spreadsheets.reading import MAX_ROWS

    header = "country,cadre,count,languages,available_from,available_to\n"
    row = "PHL,2221,1,en:C1,2020-01,2099-12\n"
    api, client = open_api_unseeded(engine)
    try:
        r = api.post(
            small.tokens["phl"],
            "/v1/deposits/import",
            files={"file": ("d.csv", (header + row * (MAX_ROWS + 1)).encode(), "text/csv")},
        )
        body = _problem(r, 422)
        assert f"more than {MAX_ROWS} rows" in body["detail"]
    finally:
        client.__exit__(None, None, None)
    # the body cap applies to uploads too
    r = small.post(
        "phl",
        "/v1/deposits/import",
        files={"file": ("d.csv", (header + row * 100).encode(), "text/csv")},
    )
    _problem(r, 413)


def open_api_unseeded(engine: Engine) -> tuple[Api, TestClient]:
    """Another app on the same (seeded) database, with a large body cap."""
    client = TestClient(
        create_app(Settings(rate_limit_per_minute=0, max_body_bytes=10_000_000), engine=engine)
    )
    client.__enter__()
    return Api(client=client, tokens={}, engine=engine), client


@pytest.fixture
def limited(engine: Engine) -> Iterator[Api]:
    api, client = open_api(engine, Settings(rate_limit_per_minute=5))
    try:
        yield api
    finally:
        client.__exit__(None, None, None)


def test_rate_limit_per_token(limited: Api) -> None:
    for _ in range(5):
        assert limited.get("viewer", "/v1/cadres").status_code == 200
    r = limited.get("viewer", "/v1/cadres")
    _problem(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    # another token has its own bucket; probes are not counted
    assert limited.get("planner", "/v1/cadres").status_code == 200
    for _ in range(10):
        assert limited.get(None, "/healthz").status_code == 200
    # writes count as well
    assert limited.post("viewer", "/v1/deposits", json=deposit()).status_code == 429


def test_token_bucket_refills() -> None:
    now = [0.0]
    buckets = TokenBuckets(60, clock=lambda: now[0], max_keys=2)
    assert all(buckets.take("a") == 0 for _ in range(60))
    wait = buckets.take("a")
    assert 0 < wait <= 1.0
    now[0] += 1.0  # one request a second comes back
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    buckets.take("b")
    buckets.take("c")  # "a" is forgotten: a full bucket again
    assert buckets.take("a") == 0
