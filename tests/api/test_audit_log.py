"""Reading the audit log through HTTP: every write with actor, time, before and after; filters,
the ``after`` cursor and pagination; planners and admins only."""

from __future__ import annotations

from tests.api.conftest import Api, deposit


def test_a_postings_writes_read_back_in_order_with_before_and_after(api: Api) -> None:
    made = api.post("phl", "/v1/deposits", json=deposit(count=10))
    assert made.status_code == 201
    url = made.headers["Location"]
    dep_id = made.json()["id"]
    assert api.patch("phl", url, json={"count": 12}, headers={"If-Match": '"1"'}).status_code == 200

    r = api.get("planner", f"/v1/audit?entity=deposit&entity_id={dep_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2
    create, update = body["data"]
    assert (create["action"], update["action"]) == ("deposit.create", "deposit.update")
    assert create["id"] < update["id"]
    assert create["before"] is None
    assert create["after"]["count"] == 10
    assert update["before"]["count"] == 10
    assert update["after"]["count"] == 12
    assert create["actor"].startswith("phl")
    assert create["at"] <= update["at"]

    # following the log: only what came after the last id seen
    followed = api.get("admin", f"/v1/audit?after={create['id']}&entity_id={dep_id}").json()
    assert [e["id"] for e in followed["data"]] == [update["id"]]
    # filters by action and by actor, pagination
    assert api.get("planner", "/v1/audit?action=deposit.update").json()["count"] == 1
    by_phl = api.get("planner", "/v1/audit", params={"by": create["actor"]}).json()
    assert {e["entity_id"] for e in by_phl["data"]} == {dep_id}
    everything = api.get("planner", "/v1/audit?limit=1&offset=1").json()
    assert len(everything["data"]) == 1
    assert everything["count"] >= 2


def test_only_planners_and_admins_read_it(api: Api) -> None:
    assert api.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    for who in ("viewer", "phl"):
        r = api.get(who, "/v1/audit")
        assert r.status_code == 403, (who, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert api.get(None, "/v1/audit").status_code == 401
    assert api.get("admin", "/v1/audit").status_code == 200


def test_bad_filters_are_named(api: Api) -> None:
    r = api.get("planner", "/v1/audit?entity=posting&after=-1")
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert {("query", "entity"), ("query", "after")} <= locs
