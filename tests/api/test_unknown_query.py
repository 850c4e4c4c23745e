"""A misspelt query parameter is a 422 naming it (with every other problem of the query), never
a silently unfiltered answer."""

from __future__ import annotations

from tests.api.conftest import Api, deposit


def _locs(body: dict) -> set[tuple[str, ...]]:
    return {tuple(e["loc"]) for e in body["errors"]}


def test_a_misspelt_filter_is_refused_not_ignored(api: Api) -> None:
    assert api.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    r = api.get("planner", "/v1/deposits?contry=PHL")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"] == [{"loc": ["query", "contry"], "msg": "unknown query parameter"}]
    # with the known parameters' own problems, all at once
    r = api.get("planner", "/v1/deposits?limit=0&foo=1&bar=2")
    assert r.status_code == 422
    assert _locs(r.json()) == {("query", "limit"), ("query", "foo"), ("query", "bar")}


def test_every_declared_parameter_is_known(api: Api) -> None:
    """Parameters of the route and of its dependencies (pagination) pass."""
    ok = [
        "/v1/deposits?country=PHL&cadre=2221&status=open&limit=5&offset=0",
        "/v1/agreements?origin=PHL&destination=DEU&country=PHL&limit=5",
        "/v1/dashboard/flows?format=csv",
        "/v1/rounds?limit=5",
        "/v1/audit?entity=deposit&limit=5",
    ]
    for url in ok:
        assert api.get("planner", url).status_code == 200, url
    for url in ("/v1/dashboard/summary?format=csv", "/v1/agreements?foo=bar", "/v1/cadres?x=1"):
        r = api.get("planner", url)
        assert r.status_code == 422, url
        assert r.json()["errors"][-1]["msg"] == "unknown query parameter", url


def test_outside_v1_the_query_string_is_free(api: Api) -> None:
    assert api.get(None, "/healthz?probe=1").status_code == 200
