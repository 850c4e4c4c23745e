"""The proposal state machine, concurrency, close and the ledger."""

from __future__ import annotations

import threading

from tests.api.conftest import Api, deposit, make_round, withdrawal


def _proposal(api: Api, rid: int) -> dict:
    data = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"]
    assert len(data) == 1
    return data[0]


def test_accept_both_sides_confirms_and_acting_twice_is_409(api: Api) -> None:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    assert p["status"] == "pending"
    assert (p["origin"], p["destination"], p["count"]) == ("PHL", "DEU", 10)
    url = f"/v1/proposals/{p['id']}"
    assert api.post("jpn", f"{url}/accept").status_code == 404
    assert api.post("viewer", f"{url}/accept").status_code == 403
    assert api.post("planner", f"{url}/accept").status_code == 403
    assert api.get("jpn", url).status_code == 404
    r = api.post("phl", f"{url}/accept")
    assert r.status_code == 200
    assert r.json()["status"] == "accepted_by_origin"
    assert api.post("phl", f"{url}/accept").status_code == 409
    r = api.post("deu", f"{url}/accept")
    assert r.json()["status"] == "confirmed"
    assert api.post("deu", f"{url}/decline").status_code == 409
    assert api.post("phl", f"{url}/accept", json={"sidee": "x"}).status_code == 422


def test_decline_by_either_side(api: Api) -> None:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    r = api.post("deu", f"/v1/proposals/{p['id']}/decline")
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert r.json()["declined_by"] == "destination"
    assert api.post("phl", f"/v1/proposals/{p['id']}/accept").status_code == 409


def test_admin_accepts_for_a_side_or_both(api: Api) -> None:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    url = f"/v1/proposals/{p['id']}/accept"
    r = api.post("admin", url, json={"side": "destination"})
    assert r.json()["status"] == "accepted_by_destination"
    r = api.post("admin", url)
    assert r.json()["status"] == "confirmed"


def test_racing_accepts_exactly_one_wins(api: Api) -> None:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    url = f"/v1/proposals/{p['id']}/accept"
    barrier = threading.Barrier(6)
    codes: list[int] = []
    lock = threading.Lock()

    def go() -> None:
        barrier.wait()
        code = api.post("phl", url).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * 5
    assert api.get("phl", f"/v1/proposals/{p['id']}").json()["version"] == 2


def _confirm(api: Api, proposal_id: int) -> None:
    assert api.post("phl", f"/v1/proposals/{proposal_id}/accept").status_code == 200
    assert api.post("deu", f"/v1/proposals/{proposal_id}/accept").status_code == 200


def test_close_books_the_ledger_and_keeps_its_invariants(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit(count=30))
    api.post("deu", "/v1/withdrawals", json=withdrawal(count=10))
    api.post(
        "gbr", "/v1/withdrawals", json=withdrawal("GBR", count=10, benefit_usd_per_worker=2000)
    )
    api.post("jpn", "/v1/withdrawals", json=withdrawal("JPN", count=5, benefit_usd_per_worker=500))
    rid = make_round(api, post=False)["id"]
    proposals = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"]
    assert len(proposals) == 3
    by_dest = {p["destination"]: p for p in proposals}
    _confirm(api, by_dest["DEU"]["id"])
    gbr = by_dest["GBR"]["id"]
    assert api.post("phl", f"/v1/proposals/{gbr}/accept").status_code == 200
    assert api.post("gbr", f"/v1/proposals/{gbr}/accept").status_code == 200
    assert api.post("jpn", f"/v1/proposals/{by_dest['JPN']['id']}/accept").status_code == 200
    assert api.post("phl", f"/v1/rounds/{rid}/close").status_code == 403
    r = api.post("planner", f"/v1/rounds/{rid}/close")
    assert r.status_code == 200, r.text
    report = r.json()
    assert sorted(report["booked"]) == sorted([by_dest["DEU"]["id"], gbr])
    assert report["expired"] == 1
    assert report["rejected_at_close"] == []
    expired = api.get("planner", f"/v1/proposals/{by_dest['JPN']['id']}").json()
    assert expired["status"] == "expired"
    assert expired["close_note"] == "the origin (PHL) had not accepted when the round closed"
    assert report["ledger_entries"] == 8
    assert api.post("planner", f"/v1/rounds/{rid}/close").status_code == 409
    assert api.get("viewer", f"/v1/rounds/{rid}").json()["status"] == "closed"
    assert api.post("jpn", f"/v1/proposals/{by_dest['JPN']['id']}/accept").status_code == 409
    phl = api.get("phl", "/v1/ledger/PHL").json()
    assert phl["balances"]["workers_out"] == -20
    assert phl["balances"]["benefit_receivable"] == 10 * 3000 + 10 * 2000
    assert phl["count"] == 4
    assert {e["round_id"] for e in phl["data"]} == {rid}
    deu = api.get("deu", "/v1/ledger/DEU").json()
    assert deu["balances"] == {
        "workers_out": 0,
        "workers_in": 10,
        "benefit_receivable": 0,
        "benefit_payable": -30000,
        "benefit_received": 0,  # nothing paid yet (placements' payments)
        "benefit_paid": 0,
    }
    assert api.get("deu", "/v1/ledger/PHL").status_code == 404
    assert api.get("viewer", "/v1/ledger/GBR").status_code == 200
    totals = dict.fromkeys(deu["balances"], 0)
    for code in ("PHL", "DEU", "GBR", "JPN", "NPL"):
        for kind, value in api.get("planner", f"/v1/ledger/{code}").json()["balances"].items():
            totals[kind] += value
    assert totals["workers_out"] + totals["workers_in"] == 0
    assert totals["benefit_receivable"] + totals["benefit_payable"] == 0
    deposits = api.get("phl", "/v1/deposits").json()["data"]
    assert deposits[0]["remaining"] == 10
    assert deposits[0]["status"] == "open"
    deu_w = api.get("deu", "/v1/withdrawals").json()["data"][0]
    assert (deu_w["remaining"], deu_w["status"]) == (0, "filled")


def test_confirmed_proposal_that_no_longer_fits_is_rejected_and_reported(api: Api) -> None:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    _confirm(api, p["id"])
    got = api.get("deu", f"/v1/withdrawals/{p['withdrawal_id']}")
    r = api.patch(
        "deu",
        f"/v1/withdrawals/{p['withdrawal_id']}",
        json={"count": 4},
        headers={"If-Match": got.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    report = api.post("planner", f"/v1/rounds/{rid}/close").json()
    assert report["booked"] == []
    assert report["rejected_at_close"][0]["proposal_id"] == p["id"]
    assert "4 remaining" in report["rejected_at_close"][0]["reason"]
    assert api.get("deu", f"/v1/proposals/{p['id']}").json()["status"] == "rejected_at_close"
    assert api.get("deu", "/v1/ledger/DEU").json()["count"] == 0


def _declined_pair_round(api: Api) -> tuple[dict, list[dict]]:
    rid = make_round(api)["id"]
    p = _proposal(api, rid)
    assert api.post("deu", f"/v1/proposals/{p['id']}/decline").status_code == 200
    assert api.post("planner", f"/v1/rounds/{rid}/close").status_code == 200
    second = make_round(api, post=False)
    return p, api.get("planner", f"/v1/rounds/{second['id']}/proposals").json()["data"]


def test_declined_pair_is_not_proposed_again(api: Api) -> None:
    declined, again = _declined_pair_round(api)
    pairs = {(p["deposit_id"], p["withdrawal_id"]) for p in again}
    assert (declined["deposit_id"], declined["withdrawal_id"]) not in pairs
