"""A body sent to a write that takes none is refused (422 naming its fields), before any change."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import Api, deposit, make_round


def _locs(r: httpx.Response) -> list[list[object]]:
    """Where the problems of a 422 are."""
    assert r.status_code == 422, r.text
    return [e["loc"] for e in r.json()["errors"]]


def test_close_with_a_body_is_422_and_leaves_the_round_open(api: Api) -> None:
    rid = make_round(api)["id"]
    url = f"/v1/rounds/{rid}/close"
    r = api.post("planner", url, json={"x": 1, "force": True})
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _locs(r) == [["body", "x"], ["body", "force"]]
    assert api.get("viewer", f"/v1/rounds/{rid}").json()["status"] == "proposed"
    assert api.post("planner", url, json={}).status_code == 200


def test_run_with_a_body_is_422_and_leaves_the_round_draft(api: Api) -> None:
    rid = api.post("planner", "/v1/rounds", json={"policy": {}}).json()["id"]
    url = f"/v1/rounds/{rid}/run"
    assert _locs(api.post("planner", url, json={"x": 1})) == [["body", "x"]]
    assert _locs(api.post("planner", url, json=[1])) == [["body"]]
    assert _locs(api.post("planner", url, content=b"{not json")) == [["body"]]
    assert api.get("viewer", f"/v1/rounds/{rid}").json()["status"] == "draft"
    assert api.post("planner", url, content=b"").status_code == 202


def test_delete_with_a_body_is_422_and_changes_nothing(api: Api) -> None:
    location = api.post("phl", "/v1/deposits", json=deposit()).headers["location"]
    r = api.request("phl", "DELETE", location, json={"reason": "x"}, headers={"If-Match": "1"})
    assert _locs(r) == [["body", "reason"]]
    assert api.get("phl", location).json()["status"] == "open"
    r = api.request("phl", "DELETE", location, json={}, headers={"If-Match": "1"})
    assert r.status_code == 200


def test_every_write_without_a_documented_body_refuses_one(api: Api) -> None:
    spec = api.get(None, "/openapi.json").json()
    checked = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method.upper() not in {"POST", "PUT", "PATCH", "DELETE"}:
                continue
            if "requestBody" in operation:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            r = api.request("admin", method.upper(), url, json={"x": 1}, headers={"If-Match": "1"})
            assert _locs(r) == [["body", "x"]], f"{method.upper()} {path}"
            checked += 1
    assert checked >= 5  # run, close, and DELETE of deposits, withdrawals, agreements
