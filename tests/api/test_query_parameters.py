"""Query parameters: a misspelt one, or a filter value that cannot be a code, is a 422 naming it
(with every other problem of the query), never a silently unfiltered or empty answer."""

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


def test_filters_that_cannot_be_codes_are_named(api: Api) -> None:
    assert api.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    # a code in any case is a filter: lower case finds PHL's deposit
    assert len(api.get("planner", "/v1/deposits?country=phl").json()["data"]) == 1
    assert api.get("planner", "/v1/deposits?country=JPN").json()["data"] == []  # none there
    bad = {
        "/v1/deposits?country=zz&cadre=nurse": {("query", "country"), ("query", "cadre")},
        "/v1/withdrawals?country=Philippines": {("query", "country")},
        "/v1/agreements?origin=XX&destination=1AB&country=ABCD": {
            ("query", "origin"),
            ("query", "destination"),
            ("query", "country"),
        },
        "/v1/proposals?country=X&status=accepted": {("query", "country"), ("query", "status")},
        "/v1/dashboard/summary?country=XXXX&cadre=abc": {("query", "country"), ("query", "cadre")},
    }
    for url, locs in bad.items():
        r = api.get("planner", url)
        assert r.status_code == 422, url
        assert _locs(r.json()) == locs, url


def test_a_bad_code_is_explained_in_words(api: Api) -> None:
    errors = api.get("planner", "/v1/deposits?country=zz&cadre=x").json()["errors"]
    assert errors == [
        {
            "loc": ["query", "country"],
            "msg": "must be an ISO 3166-1 alpha-3 country code (3 letters)",
        },
        {"loc": ["query", "cadre"], "msg": "must be an ISCO-08 unit group code (4 digits)"},
    ]
