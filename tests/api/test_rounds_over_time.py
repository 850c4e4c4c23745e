"""Rounds over time through HTTP (issue 19, API.md "Live and what-if rounds", MATCHING.md section
7): a live round cannot switch the safeguards off, a what-if never books, two rounds compare,
agreements' quotas carry across rounds, and a posting sits in one live round at a time."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.conftest import Api, deposit, make_round, withdrawal
from tests.reliability.conftest import AGREEMENT


def _confirm_all(api: Api, round_id: int) -> None:
    for p in api.get("planner", f"/v1/rounds/{round_id}/proposals").json()["data"]:
        assert api.post("admin", f"/v1/proposals/{p['id']}/accept").status_code == 200


def _run(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    created = api.post("planner", "/v1/rounds", json=body)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    ran = api.post("planner", f"/v1/rounds/{rid}/run")
    assert ran.status_code == 202, ran.text
    api.solve()
    got: dict[str, Any] = api.get("planner", f"/v1/rounds/{rid}").json()
    return got


def test_a_live_round_may_not_switch_the_safeguards_off(api: Api) -> None:
    refused = api.post("planner", "/v1/rounds", json={"policy": {"safeguard_mode": "off"}})
    assert refused.status_code == 422, refused.text
    assert [e["loc"] for e in refused.json()["errors"]] == [["body", "policy", "safeguard_mode"]]
    assert "what-if" in refused.json()["errors"][0]["msg"]
    body = {"kind": "what_if", "policy": {"safeguard_mode": "off"}}
    created = api.post("planner", "/v1/rounds", json=body)
    assert created.status_code == 201
    # run, a what-if freezes a snapshot of its own and holds no posting
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    assert api.post("planner", f"/v1/rounds/{created.json()['id']}/run").status_code == 202
    assert make_round(api, post=False)["status"] == "proposed"  # a live round on the same
    api.solve()
    what_if = api.get("planner", f"/v1/rounds/{created.json()['id']}").json()
    assert (what_if["status"], what_if["matches_count"]) == ("proposed", 1)


def test_a_what_if_solves_the_same_snapshot_and_never_books(api: Api) -> None:
    live = make_round(api)
    assert live["kind"] == "live"
    started = api.post(
        "planner",
        f"/v1/rounds/{live['id']}/what-if",
        json={"policy": {"pair_minimum_benefit_usd": 10_000_000, "safeguard_mode": "off"}},
    )
    assert started.status_code == 202, started.text
    wid = started.json()["id"]
    assert started.json()["kind"] == "what_if"
    assert started.json()["base_round_id"] == live["id"]
    api.solve()
    what_if = api.get("planner", f"/v1/rounds/{wid}").json()
    assert what_if["status"] == "proposed"
    base_scenario = api.get("planner", f"/v1/rounds/{live['id']}/scenario").json()
    scenario = api.get("planner", f"/v1/rounds/{wid}/scenario").json()
    assert scenario["policy"]["pair_minimum_benefit_usd"] == 10_000_000
    assert scenario["policy"]["safeguard_mode"] == "off"
    assert {k: v for k, v in scenario.items() if k != "policy"} == {
        k: v for k, v in base_scenario.items() if k != "policy"
    }
    # a what-if with proposals: answering them and closing it are refused
    generous = api.post("planner", f"/v1/rounds/{live['id']}/what-if", json={"policy": {}})
    api.solve()
    gid = generous.json()["id"]
    proposals = api.get("planner", f"/v1/rounds/{gid}/proposals").json()["data"]
    assert proposals
    refused = api.post("phl", f"/v1/proposals/{proposals[0]['id']}/accept")
    assert refused.status_code == 409
    assert "what-if" in refused.json()["detail"]
    assert api.post("deu", f"/v1/proposals/{proposals[0]['id']}/decline").status_code == 409
    closing = api.post("planner", f"/v1/rounds/{gid}/close")
    assert closing.status_code == 409
    assert "what-if" in closing.json()["detail"]
    assert api.get("planner", "/v1/placements").json()["count"] == 0
    # the live round is untouched, and may be closed
    assert api.post("planner", f"/v1/rounds/{live['id']}/close").status_code == 200


def test_compare_gives_each_delta_and_the_reasons(api: Api) -> None:
    live = make_round(api)  # 10 PHL nurses for 10 DEU positions (priority 3, 3000 USD each)
    wid = api.post(
        "planner",
        f"/v1/rounds/{live['id']}/what-if",
        json={"policy": {"pair_minimum_benefit_usd": 10_000_000}},
    ).json()["id"]
    api.solve()
    got = api.get("viewer", f"/v1/rounds/{live['id']}/compare", params={"with": wid})
    assert got.status_code == 200, got.text
    comparison = got.json()
    tiers = {t["tier"]: t for t in comparison["tiers"]}
    assert tiers["priority_fill"] == {"tier": "priority_fill", "a": 30, "b": 0, "delta": -30}
    assert tiers["benefit_usd"]["delta"] == -30_000
    assert comparison["destinations"] == [
        {"destination": "DEU", "requested": 10, "filled_a": 10, "filled_b": 0, "delta": -10}
    ]
    assert comparison["routes"] == [
        {
            "origin": "PHL",
            "destination": "DEU",
            "cadre": "2221",
            "workers_a": 10,
            "workers_b": 0,
            "delta": -10,
        }
    ]
    sides = {p["side"]: p for p in comparison["postings"]}
    assert set(sides) == {"deposit", "withdrawal"}
    assert sides["withdrawal"]["less_in"] == "b"
    assert [r["code"] for r in sides["withdrawal"]["reasons"]] == ["PAIR_MINIMUM_BENEFIT"]
    text = api.get(
        "planner", f"/v1/rounds/{live['id']}/compare", params={"with": wid, "format": "csv"}
    )
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert {
        "section": "tier",
        "key": "priority_fill",
        "a": "30",
        "b": "0",
        "delta": "-30",
    }.items() <= (rows[0].items())
    assert api.get("phl", f"/v1/rounds/{live['id']}/compare?with={wid}").status_code == 403
    draft = api.post("planner", "/v1/rounds", json={}).json()["id"]
    assert api.get("planner", f"/v1/rounds/{draft}/compare?with={wid}").status_code == 409


def test_a_quota_used_by_an_earlier_round_binds_the_next(api: Api) -> None:
    agreement = {**AGREEMENT, "quotas": {"2221": 10}}
    assert api.post("planner", "/v1/agreements", json=agreement).status_code == 201
    first = make_round(api)
    _confirm_all(api, first["id"])
    closed = api.post("planner", f"/v1/rounds/{first['id']}/close")
    assert closed.status_code == 200, closed.text
    placements = api.get("planner", "/v1/placements").json()["data"]
    assert [(p["workers"], p["agreement_id"], p["modality"]) for p in placements] == [
        (10, placements[0]["agreement_id"], "relocation")
    ]
    assert placements[0]["basis"]["origin_listed"] is False
    # more postings on the same route: the quota is used up by the first round
    second = make_round(api)
    assert second["matches_count"] == 0
    scenario = api.get("planner", f"/v1/rounds/{second['id']}/scenario").json()
    [frozen] = [a for a in scenario["agreements"] if a["quotas"]]
    assert frozen["quotas"] == {"2221": 10}
    assert frozen["quota_used"] == {"2221": 10}
    result = api.get("planner", f"/v1/rounds/{second['id']}/result").json()
    [unfilled] = result["unmatched"]["withdrawals"]
    [reason] = [r for r in unfilled["reasons"] if r["code"] == "AGREEMENT_QUOTA"]
    assert "10 already placed in earlier rounds" in reason["detail"]


def test_a_posting_sits_in_one_live_round_at_a_time(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    first = api.post("planner", "/v1/rounds", json={}).json()["id"]
    assert api.post("planner", f"/v1/rounds/{first}/run").status_code == 202
    second = api.post("planner", "/v1/rounds", json={}).json()["id"]
    contended = api.post("planner", f"/v1/rounds/{second}/run")
    assert contended.status_code == 409
    assert f"live round {first}" in contended.json()["detail"]
    assert api.get("planner", f"/v1/rounds/{second}").json()["status"] == "draft"
    # a round of other postings runs meanwhile; a what-if holds nothing
    api.post("phl", "/v1/deposits", json=deposit(cadre="2211"))
    other = api.post("planner", "/v1/rounds", json={"cadres": ["2211"]}).json()["id"]
    assert api.post("planner", f"/v1/rounds/{other}/run").status_code == 202
    api.solve()
    assert api.post("planner", f"/v1/rounds/{first}/what-if", json={}).status_code == 202
    assert api.post("planner", f"/v1/rounds/{first}/close").status_code == 200
    assert api.post("planner", f"/v1/rounds/{other}/close").status_code == 200
    assert api.post("planner", f"/v1/rounds/{second}/run").status_code == 202


def test_proposals_carry_their_legal_basis_and_decline_reasons(api: Api) -> None:
    live = make_round(api)
    [proposal] = api.get("planner", f"/v1/rounds/{live['id']}/proposals").json()["data"]
    assert proposal["basis"] == {
        "origin_listed": False,
        "g2g_agreement_id": None,
        "positive_listed": None,
        "recognition_agreement_id": None,
    }
    declined = api.post(
        "deu",
        f"/v1/proposals/{proposal['id']}/decline",
        json={"reason": "language", "note": "B2 German needed before arrival"},
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["decline_reason"], declined.json()["decline_note"]) == (
        "language",
        "B2 German needed before arrival",
    )
    bad = api.post("deu", f"/v1/proposals/{proposal['id']}/decline", json={"reason": "mood"})
    assert bad.status_code == 422
    counts = api.get("viewer", f"/v1/rounds/{live['id']}").json()["proposals"]
    assert counts == {"declined": 1}
    exported = api.get("planner", f"/v1/exports/rounds/{live['id']}/proposals?format=csv")
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert (row["origin_listed"], row["decline_reason"]) == ("False", "language")


def test_proposals_unanswered_by_the_deadline_expire_by_the_exchange(api: Api) -> None:
    from datetime import timedelta

    from exchange.rounds.deadlines import expire_overdue
    from exchange.timestamps import utcnow

    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    api.post("phl", "/v1/deposits", json=deposit(country="PHL", cadre="2211"))
    api.post("deu", "/v1/withdrawals", json=withdrawal(cadre="2211"))
    deadline = (utcnow() + timedelta(days=2)).isoformat()
    rnd = _run(api, {"answer_by": deadline})
    assert rnd["answer_by"] is not None
    proposals = api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]
    assert len(proposals) == 2
    first, second = proposals
    assert api.post("admin", f"/v1/proposals/{first['id']}/accept").status_code == 200
    assert api.post("phl", f"/v1/proposals/{second['id']}/accept").status_code == 200
    assert expire_overdue(api.engine) == []  # not yet
    assert expire_overdue(api.engine, utcnow() + timedelta(days=3)) == [rnd["id"]]
    got = api.get("viewer", f"/v1/rounds/{rnd['id']}").json()
    assert got["proposals"] == {"confirmed": 1, "expired": 1}
    expired = api.get("planner", f"/v1/proposals/{second['id']}").json()
    assert expired["close_note"].startswith("the destination (DEU) had not accepted by the round")
    audit = api.get("planner", "/v1/audit", params={"entity": "round"}).json()["data"]
    assert any(e["action"] == "proposals.expired" and e["actor"] == "system" for e in audit)
    closed = api.post("planner", f"/v1/rounds/{rnd['id']}/close").json()
    assert (len(closed["booked"]), closed["expired"]) == (1, 0)


def test_an_unknown_field_sent_as_null_is_refused(api: Api) -> None:
    """Found by schemathesis' stateful phase: ``{"": null}`` used to create a round."""
    refused = api.post("planner", "/v1/rounds", json={"": None, "colour": None})
    assert refused.status_code == 422
    assert sorted(e["loc"][-1] for e in refused.json()["errors"]) == ["", "colour"]
    assert api.post("planner", "/v1/rounds", json={"name": None}).status_code == 201
