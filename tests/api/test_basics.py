"""Health, identity, roles, problem details, OpenAPI, reference data."""

from __future__ import annotations

import re
from typing import Any

from api.app import create_app
from exchange.config import Settings
from exchange.migrate import head_revision
from tests.api.conftest import CADRES, Api, TestClient, deposit


def test_healthz_reports_the_database(api: Api) -> None:
    r = api.get(None, "/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["dialect"] in ("sqlite", "postgresql")
    assert body["database"]["ok"] is True
    assert body["schema"] == {"revision": head_revision(), "current": True}


def test_no_or_bad_token_is_401_problem(api: Api) -> None:
    r = api.get(None, "/v1/deposits")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"] == "Bearer"
    assert {"type", "title", "status", "detail"} <= set(r.json())
    assert api.get("not-a-token", "/v1/deposits").status_code == 401


def test_admin_creates_users_and_token_works_once_shown(api: Api) -> None:
    body = {"name": "ana", "role": "focal_point", "country": "PHL"}
    r = api.post("admin", "/v1/users", json=body)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    me = api.get(token, "/v1/me").json()
    assert me["role"] == "focal_point"
    assert me["country"] == "PHL"
    listed = api.get("admin", "/v1/users").json()
    assert all("token" not in u and "token_hash" not in u for u in listed)
    assert api.post("planner", "/v1/users", json={"name": "x", "role": "viewer"}).status_code == 403
    dup = api.post("admin", "/v1/users", json={"name": "ana", "role": "viewer"})
    assert dup.status_code == 409


def test_validation_lists_every_problem_and_unknown_fields(api: Api) -> None:
    r = api.post("admin", "/v1/users", json={"name": "z", "role": "wizard", "colour": "red"})
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "colour") in locs
    assert ("body", "role") in locs
    bad = deposit(count=0, available_from="2027-13", cadre="9999")
    r = api.post("phl", "/v1/deposits", json=bad)
    assert r.status_code == 422
    assert len(r.json()["errors"]) >= 3


def test_unknown_route_is_problem_json(api: Api) -> None:
    r = api.get("admin", "/v1/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_openapi_documents_every_endpoint_and_errors(api: Api) -> None:
    spec = api.get(None, "/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/healthz",
        "/v1/countries/{code}",
        "/v1/cadres",
        "/v1/workforce/{country}/{cadre}",
        "/v1/agreements/{agreement_id}",
        "/v1/deposits/{deposit_id}",
        "/v1/withdrawals/{withdrawal_id}",
        "/v1/rounds/{round_id}/run",
        "/v1/rounds/{round_id}/events",
        "/v1/rounds/{round_id}/scenario",
        "/v1/rounds/{round_id}/result",
        "/v1/rounds/{round_id}/proposals",
        "/v1/rounds/{round_id}/close",
        "/v1/proposals/{proposal_id}/accept",
        "/v1/proposals/{proposal_id}/decline",
        "/v1/ledger/{country}",
        "/v1/dashboard/summary",
        "/v1/dashboard/flows",
        "/v1/users",
    ):
        assert path in paths, path
    assert "ProblemDetails" in spec["components"]["schemas"]
    assert "422" in paths["/v1/deposits"]["post"]["responses"]
    assert "412" in paths["/v1/deposits/{deposit_id}"]["patch"]["responses"]
    problem = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    }
    undocumented = []
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            # errors from outside the routes: the rate limit (not on /healthz), the body size
            # cap on writes, and bodies the framework cannot parse
            expected = {"429"} if path != "/healthz" else set()
            if method in {"post", "put", "patch", "delete"}:
                expected.add("413")
            if "requestBody" in operation:
                expected.add("400")
            undocumented += [f"{method} {path} {s}" for s in sorted(expected - set(responses))]
            for status, response in responses.items():
                if int(status) >= 400:
                    assert response["content"] == problem, (method, path, status)
    assert undocumented == []
    assert "Retry-After" in paths["/v1/deposits"]["get"]["responses"]["429"]["headers"]


def test_errors_from_outside_the_routes_are_documented_where_they_happen(api: Api) -> None:
    """413, 400 and 429 provoked for real; each status is in its operation's OpenAPI entry."""
    settings = Settings(max_body_bytes=50_000, rate_limit_per_minute=3)  # 3 with the token
    with TestClient(create_app(settings, engine=api.engine)) as client:
        spec = client.get("/openapi.json").json()["paths"]
        auth = {"Authorization": f"Bearer {api.tokens['planner']}"}
        deep = b"[" * 20_000 + b"]" * 20_000  # too deep for the JSON parser
        sent = [
            ("post", "/v1/rounds", "/v1/rounds", b"{" + b" " * 60_000 + b"}", 413),
            ("post", "/v1/rounds", "/v1/rounds", deep, 400),
            ("post", "/v1/rounds/{round_id}/close", "/v1/rounds/1/close", b" " * 60_000, 413),
            ("get", "/v1/rounds", "/v1/rounds", b"", 429),
        ]
        for method, path, url, body, status in sent:
            headers = {**auth, "Content-Type": "application/json"}
            r = client.request(method.upper(), url, content=body, headers=headers)
            assert r.status_code == status, (url, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert str(status) in spec[path][method]["responses"], (method, path, status)


def test_reference_endpoints_and_roles(api: Api) -> None:
    countries = api.get("viewer", "/v1/countries").json()
    assert countries["count"] == 5
    assert {"safeguard_listed", "licensing_languages"} <= set(countries["data"][0])
    assert api.get("phl", "/v1/countries/DEU").json()["licensing_languages"] == {"de": "B2"}
    assert api.get("phl", "/v1/countries/XXX").status_code == 404
    assert len(api.get("viewer", "/v1/cadres").json()) == len(CADRES)
    r = api.put("planner", "/v1/countries/THA", json={"name": "Thailand"})
    assert r.status_code == 403
    r = api.put("admin", "/v1/countries/THA", json={"name": "Thailand", "safeguard_listed": True})
    assert r.status_code == 200, r.text
    assert r.json()["safeguard_listed"] is True
    w = api.get("viewer", "/v1/workforce/PHL/2221")
    assert w.status_code == 200
    assert w.json()["stock"] == 500_000
    assert api.put("viewer", "/v1/workforce/PHL/2221", json={"stock": 1}).status_code == 403
    assert api.put("deu", "/v1/workforce/PHL/2221", json={"stock": 1}).status_code == 404
    fact = {"stock": 400_000, "positive_list": True}
    r = api.put("planner", "/v1/workforce/PHL/2221", json=fact)
    assert r.status_code == 200, r.text
    assert api.get("viewer", "/v1/workforce/PHL/2221").json()["stock"] == 400_000


def test_agreements_crud_with_if_match(api: Api) -> None:
    body = {
        "id": "a-phl-deu",
        "origin": "PHL",
        "destination": "DEU",
        "g2g": True,
        "valid_from": "2020-01",
        "valid_to": "2099-12",
        "benefit_usd_per_worker": 1000,
    }
    assert api.post("phl", "/v1/agreements", json=body).status_code == 403
    r = api.post("planner", "/v1/agreements", json=body)
    assert r.status_code == 201, r.text
    assert api.get("viewer", "/v1/agreements").json()["count"] == 1
    got = api.get("phl", "/v1/agreements/a-phl-deu")
    etag = got.headers["etag"]
    url = "/v1/agreements/a-phl-deu"
    assert api.patch("planner", url, json={"benefit_usd_per_worker": 5}).status_code == 428
    r = api.patch("planner", url, json={"benefit_usd_per_worker": 5}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    stale = api.patch("planner", url, json={"recognition": True}, headers={"If-Match": etag})
    assert stale.status_code == 412
    r = api.delete("planner", url, headers={"If-Match": r.headers["etag"]})
    assert r.status_code == 200
    assert api.get("viewer", url).status_code == 404


def parameter_schemas(spec: dict[str, Any], where: str, name: str) -> list[dict[str, Any]]:
    """The schema of every parameter ``name`` in ``where`` (query, header) of the document."""
    return [
        p["schema"]
        for path in spec["paths"].values()
        for op in path.values()
        for p in op.get("parameters", [])
        if p["in"] == where and p["name"] == name
    ]


def test_openapi_states_the_bounds_the_server_enforces(api: Api) -> None:
    """Found by schemathesis' stateful phase: requests valid by the document were refused."""
    spec = api.get(None, "/openapi.json").json()
    limits = parameter_schemas(spec, "query", "limit")
    assert limits
    assert all(s["maximum"] == Settings().max_page_size for s in limits)
    assert api.get("admin", "/v1/deposits?limit=500").status_code == 200
    assert api.get("admin", "/v1/deposits?limit=501").status_code == 422
    schemas = spec["components"]["schemas"]
    month = re.compile(schemas["DepositCreate"]["properties"]["available_from"]["pattern"])
    assert month.match("2027-01")
    assert not month.match("2027-13")
    assert not month.match("٢٠٢٧-01")
    bad = api.post("phl", "/v1/deposits", json=deposit(available_from="٢٠٢٧-01"))
    assert bad.status_code == 422, bad.text  # the validation agrees: ASCII digits only
    run = spec["paths"]["/v1/rounds/{round_id}/run"]["post"]["parameters"]
    assert next(p for p in run if p["name"] == "round_id")["schema"]["minimum"] == 1
    assert api.post("planner", "/v1/rounds/-36893488147419103233/run").status_code == 422
    headers = parameter_schemas(spec, "header", "if-match")
    assert headers
    for schema in headers:
        tag = re.compile(schema["pattern"])
        assert all(tag.match(v) for v in ('"3"', "3", "*", 'W/"2", "3"'))
        assert not any(tag.match(v) for v in ("abc", '"3', ""))
