"""Postings through HTTP: roles and isolation, pagination and filters, Idempotency-Key, If-Match,
the audit log, dashboards."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from exchange.audit.tables import AuditEvent
from exchange.postings.tables import Deposit
from tests.api.conftest import Api, deposit, make_round, withdrawal


def test_posting_roles_and_country_isolation(api: Api) -> None:
    r = api.post("phl", "/v1/deposits", json=deposit())
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    dep = r.json()
    assert (dep["status"], dep["remaining"], dep["version"]) == ("open", 10, 1)
    assert dep["created_by"]
    assert api.post("deu", "/v1/deposits", json=deposit("PHL")).status_code == 404
    assert api.post("planner", "/v1/deposits", json=deposit()).status_code == 403
    assert api.post("viewer", "/v1/withdrawals", json=withdrawal()).status_code == 403
    assert api.get("deu", f"/v1/deposits/{dep['id']}").status_code == 404
    assert api.get("phl", f"/v1/deposits/{dep['id']}").status_code == 200
    assert api.get("deu", "/v1/deposits").json()["count"] == 0
    assert api.get("planner", "/v1/deposits").json()["count"] == 1


def test_pagination_and_filters(api: Api) -> None:
    for i in range(5):
        api.post("phl", "/v1/deposits", json=deposit(count=i + 1))
    api.post("npl", "/v1/deposits", json=deposit("NPL", cadre="2211"))
    page = api.get("viewer", "/v1/deposits?limit=2&offset=1").json()
    assert page["count"] == 6
    assert len(page["data"]) == 2
    assert api.get("viewer", "/v1/deposits?country=NPL").json()["count"] == 1
    assert api.get("viewer", "/v1/deposits?cadre=2221").json()["count"] == 5
    assert api.get("viewer", "/v1/deposits?status=filled").json()["count"] == 0
    r = api.get("viewer", "/v1/deposits?limit=0&status=nope")
    assert r.status_code == 422
    assert len(r.json()["errors"]) == 2


def test_if_match_on_patch_and_delete(api: Api) -> None:
    dep = api.post("phl", "/v1/deposits", json=deposit()).json()
    url = f"/v1/deposits/{dep['id']}"
    assert api.patch("phl", url, json={"count": 12}).status_code == 428
    assert api.delete("phl", url).status_code == 428
    both = api.patch("phl", url, json={"count": 0, "cadre": "9999", "colour": "red"})
    assert both.status_code == 422  # every problem in one answer, the missing header with them
    assert {tuple(e["loc"]) for e in both.json()["errors"]} == {
        ("header", "if-match"),
        ("body", "count"),
        ("body", "cadre"),
        ("body", "colour"),
    }
    r = api.patch("phl", url, json={"count": 12}, headers={"If-Match": '"1"'})
    assert r.status_code == 200
    assert r.headers["etag"] == '"2"'
    assert r.json()["remaining"] == 12
    assert api.patch("phl", url, json={"count": 3}, headers={"If-Match": '"1"'}).status_code == 412
    assert (
        api.patch("phl", url, json={"country": "DEU"}, headers={"If-Match": "2"}).status_code == 422
    )
    assert api.patch("deu", url, json={"count": 3}, headers={"If-Match": "2"}).status_code == 404
    assert api.delete("phl", url, headers={"If-Match": "1"}).status_code == 412
    r = api.delete("phl", url, headers={"If-Match": '"2"'})
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    with Session(api.engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.entity_id == dep["id"])).all()
    assert [e.action for e in events] == ["deposit.create", "deposit.update", "deposit.withdraw"]
    assert events[1].before["count"] == 10
    assert events[1].after["count"] == 12
    assert events[2].actor.startswith("phl")


def test_idempotency_key_replays_and_scopes(api: Api) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = api.post("phl", "/v1/deposits", json=deposit(), headers=key)
    assert first.status_code == 201
    again = api.post("phl", "/v1/deposits", json=deposit(), headers=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert api.get("phl", "/v1/deposits").json()["count"] == 1
    other = api.post("phl", "/v1/deposits", json=deposit(count=11), headers=key)
    assert other.status_code == 422
    # another caller's identical key is its own
    npl = api.post("npl", "/v1/deposits", json=deposit("NPL"), headers=key)
    assert npl.status_code == 201
    assert npl.json()["id"] != first.json()["id"]
    # a failed request does not burn the key
    bad = api.post("phl", "/v1/withdrawals", json=withdrawal("PHL", count=0), headers=key)
    assert bad.status_code == 422
    ok = api.post("phl", "/v1/withdrawals", json=withdrawal("PHL"), headers=key)
    assert ok.status_code == 201


def test_idempotency_key_in_progress_is_409(api: Api) -> None:
    from exchange.db import session_scope
    from exchange.idempotency.service import body_hash, claim

    user_id = api.get("phl", "/v1/me").json()["user_id"]
    body = deposit()
    with session_scope(api.engine) as s:
        scope = f"user:{user_id}:POST /v1/deposits"
        assert claim(session=s, scope=scope, key="busy", digest=body_hash(body)) is None
    r = api.post("phl", "/v1/deposits", json=body, headers={"Idempotency-Key": "busy"})
    assert r.status_code == 409


def test_concurrent_same_key_creates_one(api: Api) -> None:
    codes: list[int] = []
    barrier = threading.Barrier(4)

    def go() -> None:
        barrier.wait()
        r = api.post("phl", "/v1/deposits", json=deposit(), headers={"Idempotency-Key": "race"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {201, 409}
    assert 201 in codes
    with Session(api.engine) as s:
        assert len(s.exec(select(Deposit)).all()) == 1


def test_dashboard_summary_and_flows(api: Api) -> None:
    rid = make_round(api)["id"]
    p = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"][0]
    flows = api.get("viewer", f"/v1/dashboard/flows?round={rid}").json()
    assert flows["data"] == [
        {
            "origin": "PHL",
            "destination": "DEU",
            "cadre": "2221",
            "workers": 10,
            "benefit_usd": 30000,
        }
    ]
    assert api.get("viewer", "/v1/dashboard/flows").json()["count"] == 0
    api.post("phl", f"/v1/proposals/{p['id']}/accept")
    api.post("deu", f"/v1/proposals/{p['id']}/accept")
    api.post("planner", f"/v1/rounds/{rid}/close")
    csv = api.get("npl", "/v1/dashboard/flows?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == [
        "origin,destination,cadre,workers,benefit_usd",
        "PHL,DEU,2221,10,30000",
    ]
    summary = api.get("npl", "/v1/dashboard/summary").json()
    rows = {(r["country"], r["side"]): r for r in summary["fill"]}
    assert rows[("PHL", "deposit")]["placed"] == 10
    assert rows[("PHL", "deposit")]["fill_ratio"] == 1.0
    assert rows[("DEU", "withdrawal")]["remaining"] == 0
    assert summary["rounds"][0]["priority_fill"] == 30
    assert api.get(None, "/v1/dashboard/summary").status_code == 401
