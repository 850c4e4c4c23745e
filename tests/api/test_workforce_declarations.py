"""A focal point declares its own country's workforce facts (stock, education cost, positive
list); another country's are 404 and change nothing; every declaration is audited."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def audit(api: Api, entity_id: str) -> list[dict[str, Any]]:
    r = api.get("planner", "/v1/audit", params={"entity": "workforce", "entity_id": entity_id})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_a_focal_point_declares_its_own_countrys_facts(api: Api) -> None:
    fact = {"stock": 480_000, "education_cost_usd": 12_000, "positive_list": True}
    r = api.put("phl", "/v1/workforce/phl/2221", json=fact, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    assert {k: r.json()[k] for k in fact} == fact
    seen = api.get("viewer", "/v1/workforce/PHL/2221").json()
    assert {k: seen[k] for k in fact} == fact
    # a fact nothing was known of: created by the country itself
    new = api.put("phl", "/v1/workforce/PHL/2211", json={"positive_list": True})
    assert new.status_code == 200, new.text
    (event,) = audit(api, "PHL/2221")
    me = api.get("phl", "/v1/me").json()
    assert event["action"] == "workforce.put"
    assert event["actor"] == f"{me['name']}#{me['user_id']}"
    assert event["before"]["stock"] == 500_000
    assert event["after"]["stock"] == 480_000
    assert len(audit(api, "PHL/2211")) == 1


def test_another_countrys_facts_are_404_and_unchanged(api: Api) -> None:
    before = api.get("viewer", "/v1/workforce/PHL/2221").json()
    for url in ("/v1/workforce/PHL/2221", "/v1/workforce/PHL/2211", "/v1/workforce/THA/2221"):
        r = api.put("deu", url, json={"stock": 1, "positive_list": True})
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert api.get("viewer", "/v1/workforce/PHL/2221").json() == before
    assert audit(api, "PHL/2221") == []
    assert audit(api, "PHL/2211") == []


def test_viewers_may_not_declare_and_planners_still_may(api: Api) -> None:
    assert api.put("viewer", "/v1/workforce/PHL/2221", json={"stock": 1}).status_code == 403
    r = api.put("planner", "/v1/workforce/DEU/2221", json={"stock": 90_000})
    assert r.status_code == 200, r.text


def test_a_focal_points_bad_declaration_names_every_problem(api: Api) -> None:
    r = api.put("phl", "/v1/workforce/PHL/2221", json={"stock": -1, "education_cost_usd": "x"})
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert {("body", "stock"), ("body", "education_cost_usd")} <= locs
    assert api.get("viewer", "/v1/workforce/PHL/2221").json()["stock"] == 500_000
