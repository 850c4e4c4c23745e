"""After the match, through HTTP on both engines (issue 20, API.md "Placements, payments and
indicators"): a scripted history of two closed rounds, events and payments over 18 months, whose
every indicator value is computed by hand below; the validation of bad events, rule by rule;
payments in the ledger; cancelled workers releasing quota; spreadsheets in and out.

The history (test editions list Nepal only; policy ``code``, so E7 applies and E8 does not):

- agreement A1 PHL->DEU (benefit 1,000), agreement A2 NPL->GBR, G2G, quota 5 (benefit 500);
- round 1 as of 2025-01: 10 PHL nurses -> DEU (3,000 + 1,000 a worker, start 2025-03, 24 months),
  5 NPL nurses -> GBR (2,000 + 500, start 2025-01, 12 months): placements P1 and P2;
- round 2 as of 2025-09: 4 PHL nurses -> DEU (start 2025-10): P3;
- P1: 8 contracts 2025-03, 10 departed 2025-03, 2 contracts 2025-04, 10 started 2025-04,
  3 returned 2026-02, 2 ended 2026-03; paid 20,000 in 2025-06 and 10,000 in 2026-01;
- P2: 5 contracts 2025-01, 4 departed and 1 cancelled 2025-02, 4 started 2025-02, 4 returned
  2025-12; paid 10,000 in 2025-03;
- P3: 4 contracts 2025-10, 4 departed and 4 started 2025-11.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from exchange.db import session_scope
from exchange.reference.loading import write_safeguard_edition
from tests.api.conftest import Api, deposit, withdrawal

CODE = {"safeguard_mode": "code"}


def _agreement(api: Api, **fields: Any) -> str:
    body = {"g2g": False, "cadres": ["2221"], "valid_from": "2020-01", "valid_to": "2099-12"}
    made = api.post("planner", "/v1/agreements", json={**body, **fields})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _closed_round(api: Api, as_of: str) -> int:
    created = api.post("planner", "/v1/rounds", json={"policy": CODE, "as_of": as_of})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    api.solve()
    for p in api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"]:
        assert api.post("admin", f"/v1/proposals/{p['id']}/accept").status_code == 200
    closed = api.post("planner", f"/v1/rounds/{rid}/close")
    assert closed.status_code == 200, closed.text
    return int(rid)


def _event(api: Api, who: str, pid: int, kind: str, workers: int, month: str) -> Any:
    body = {"kind": kind, "workers": workers, "month": month}
    return api.post(who, f"/v1/placements/{pid}/events", json=body)


def _ok(response: Any) -> Any:
    assert 200 <= response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def history(api: Api) -> dict[str, Any]:
    with session_scope(api.engine) as session:
        write_safeguard_edition(session, "test", "2020-01", "test edition", ["NPL"])
    headers = {"If-Match": "0"}
    _ok(api.put("planner", "/v1/workforce/NPL/2221", json={"stock": 2000}, headers=headers))
    a1 = _agreement(api, origin="PHL", destination="DEU", benefit_usd_per_worker=1000)
    a2 = _agreement(
        api,
        origin="NPL",
        destination="GBR",
        g2g=True,
        quotas={"2221": 5},
        benefit_usd_per_worker=500,
    )
    _ok(api.post("phl", "/v1/deposits", json=deposit(count=10)))
    _ok(api.post("npl", "/v1/deposits", json=deposit("NPL", count=5)))
    late = {"start_from": "2025-03", "start_to": "2025-12", "duration_months": 24}
    _ok(api.post("deu", "/v1/withdrawals", json=withdrawal(count=10, **late)))
    early = {"start_from": "2025-01", "start_to": "2025-06", "benefit_usd_per_worker": 2000}
    _ok(api.post("gbr", "/v1/withdrawals", json=withdrawal("GBR", count=5, **early)))
    r1 = _closed_round(api, "2025-01")
    _ok(api.post("phl", "/v1/deposits", json=deposit(count=4)))
    _ok(api.post("deu", "/v1/withdrawals", json=withdrawal(count=4, start_from="2025-10")))
    r2 = _closed_round(api, "2025-09")
    placements = api.get("planner", "/v1/placements").json()["data"]
    by_route = {(p["origin"], p["destination"], p["round_id"]): p for p in placements}
    p1 = by_route[("PHL", "DEU", r1)]
    p2 = by_route[("NPL", "GBR", r1)]
    p3 = by_route[("PHL", "DEU", r2)]
    script = [
        ("phl", p1, "contract_signed", 8, "2025-03"),
        ("deu", p1, "departed", 10, "2025-03"),
        ("phl", p1, "contract_signed", 2, "2025-04"),
        ("deu", p1, "started", 10, "2025-04"),
        ("planner", p1, "returned", 3, "2026-02"),
        ("deu", p1, "ended", 2, "2026-03"),
        ("npl", p2, "contract_signed", 5, "2025-01"),
        ("npl", p2, "departed", 4, "2025-02"),
        ("npl", p2, "cancelled", 1, "2025-02"),
        ("gbr", p2, "started", 4, "2025-02"),
        ("npl", p2, "returned", 4, "2025-12"),
        ("phl", p3, "contract_signed", 4, "2025-10"),
        ("phl", p3, "departed", 4, "2025-11"),
        ("deu", p3, "started", 4, "2025-11"),
    ]
    for who, placement, kind, workers, month in script:
        _ok(_event(api, who, placement["id"], kind, workers, month))
    for who, placement, amount, month in (
        ("deu", p1, 20_000, "2025-06"),
        ("planner", p1, 10_000, "2026-01"),
        ("gbr", p2, 10_000, "2025-03"),
    ):
        body = {"amount_usd": amount, "month": month}
        _ok(api.post(who, f"/v1/placements/{placement['id']}/payments", json=body))
    return {"a1": a1, "a2": a2, "p1": p1["id"], "p2": p2["id"], "p3": p3["id"], "r1": r1}


def _indicators(api: Api, **params: str) -> dict[str, list[dict[str, Any]]]:
    got = api.get("viewer", "/v1/indicators", params=params)
    assert got.status_code == 200, got.text
    return {i["id"]: i["rows"] for i in got.json()["indicators"]}


def test_placements_are_booked_with_their_basis_dates_and_stages(
    api: Api, history: dict[str, Any]
) -> None:
    p1 = api.get("phl", f"/v1/placements/{history['p1']}").json()
    assert (p1["workers"], p1["agreement_id"], p1["modality"]) == (10, history["a1"], "relocation")
    assert (p1["start_month"], p1["duration_months"], p1["expected_end_month"]) == (
        "2025-03",
        24,
        "2027-02",
    )
    assert p1["booked_month"] == "2025-01"
    assert p1["benefit_usd_per_worker"] == 4000
    assert (p1["benefit_promised_usd"], p1["benefit_paid_usd"]) == (40_000, 30_000)
    assert p1["stages"] == {
        "contract_signed": 10,
        "departed": 10,
        "started": 10,
        "returned": 3,
        "ended": 2,
        "cancelled": 0,
    }
    assert p1["status"] == "active"
    p2 = api.get("npl", f"/v1/placements/{history['p2']}").json()
    assert p2["basis"] == {
        "origin_listed": True,
        "g2g_agreement_id": history["a2"],
        "positive_listed": None,
        "recognition_agreement_id": None,
    }
    assert p2["status"] == "completed"
    assert api.get("jpn", f"/v1/placements/{history['p2']}").status_code == 404
    mine = api.get("npl", "/v1/placements").json()
    assert [p["id"] for p in mine["data"]] == [history["p2"]]
    completed = api.get("planner", "/v1/placements", params={"status": "completed"}).json()
    assert [p["id"] for p in completed["data"]] == [history["p2"]]
    events = api.get("planner", f"/v1/placements/{history['p2']}/events").json()
    assert [(e["kind"], e["workers"]) for e in events][:3] == [
        ("contract_signed", 5),
        ("departed", 4),
        ("cancelled", 1),
    ]


def test_every_indicator_matches_the_hand_computed_history(
    api: Api, history: dict[str, Any]
) -> None:
    a1, a2 = history["a1"], history["a2"]
    got = _indicators(api, to="2026-06")
    assert got["workers_by_route"] == [
        {
            "origin": "NPL",
            "destination": "GBR",
            "cadre": "2221",
            "modality": "relocation",
            "workers": 4,  # 5 booked, 1 cancelled
            "g2g": 4,
        },
        {
            "origin": "PHL",
            "destination": "DEU",
            "cadre": "2221",
            "modality": "relocation",
            "workers": 14,
            "g2g": 0,
        },
    ]
    assert sorted(got["workers_by_agreement"], key=lambda r: r["agreement_id"]) == sorted(
        [{"agreement_id": a1, "workers": 14}, {"agreement_id": a2, "workers": 4}],
        key=lambda r: r["agreement_id"],
    )
    assert got["contract_before_departure"] == [
        {
            "origin": "NPL",
            "destination": "GBR",
            "departed": 4,
            "signed_before_departure": 4,
            "share": 1.0,
        },
        {
            "origin": "PHL",
            "destination": "DEU",
            "departed": 14,  # P1 10 (8 signed by 2025-03), P3 4 (4 signed by 2025-11)
            "signed_before_departure": 12,
            "share": round(12 / 14, 4),
        },
    ]
    assert got["returned"] == [
        {
            "origin": "NPL",
            "destination": "GBR",
            "started": 4,
            "returned": 4,
            "share": 1.0,
            "mean_months_abroad": 12.0,  # 2025-01 to 2025-12
        },
        {
            "origin": "PHL",
            "destination": "DEU",
            "started": 14,
            "returned": 3,
            "share": round(3 / 14, 4),
            "mean_months_abroad": 12.0,  # 2025-03 to 2026-02
        },
    ]
    investment = {(r["by"], r["origin"] or r["agreement_id"]): r for r in got["investment"]}
    assert investment[("origin", "PHL")] == {
        "by": "origin",
        "origin": "PHL",
        "agreement_id": None,
        "promised_usd": 56_000,  # (10 + 4) x 4,000
        "delivered_usd": 30_000,
        "outstanding_usd": 26_000,
        "delivered_share": round(30 / 56, 4),
    }
    assert investment[("origin", "NPL")]["promised_usd"] == 10_000  # 4 x 2,500
    assert investment[("origin", "NPL")]["delivered_share"] == 1.0
    assert investment[("agreement", a1)]["outstanding_usd"] == 26_000
    assert investment[("agreement", a2)]["outstanding_usd"] == 0
    assert got["relocated_share_of_stock"] == [
        {
            "origin": "PHL",
            "cadre": "2221",
            "relocated_12_months": 4,  # P3 only: 2025-07..2026-06
            "stock": 500_000,
            "share": 8e-06,
        }
    ]
    earlier = _indicators(api, to="2025-06")
    assert earlier["relocated_share_of_stock"] == [
        {"origin": "NPL", "cadre": "2221", "relocated_12_months": 4, "stock": 2000, "share": 0.002},
        {
            "origin": "PHL",
            "cadre": "2221",
            "relocated_12_months": 10,
            "stock": 500_000,
            "share": 2e-05,
        },
    ]
    assert earlier["returned"][1]["returned"] == 0  # P1's returns come later
    assert [r["workers"] for r in earlier["workers_by_route"]] == [4, 10]  # round 2 is later
    since = _indicators(api, to="2026-06", **{"from": "2025-06"})
    assert [r["workers"] for r in since["workers_by_route"]] == [4]  # only round 2's
    only_npl = _indicators(api, to="2026-06", country="NPL")
    assert [r["origin"] for r in only_npl["workers_by_route"]] == ["NPL"]
    body = api.get("viewer", "/v1/indicators?to=2026-06").json()
    definitions = {i["id"]: i for i in body["indicators"]}
    assert (
        "signed their employment contract before departure"
        in (definitions["contract_before_departure"]["who_table1"])
    )
    assert all(i["definition"] and i["who_table1"] for i in body["indicators"])
    assert api.get("viewer", "/v1/indicators?to=2026-13").status_code == 422


def test_indicators_download_as_csv_and_xlsx(api: Api, history: dict[str, Any]) -> None:
    text = api.get("viewer", "/v1/indicators", params={"to": "2026-06", "format": "csv"})
    assert text.status_code == 200
    rows = list(csv.DictReader(io.StringIO(text.text.lstrip("\ufeff"))))
    assert {r["indicator"] for r in rows} >= {"workers_by_route", "investment"}
    xlsx = api.get("viewer", "/v1/indicators", params={"to": "2026-06", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 2  # the values, then the definitions


def test_payments_enter_the_ledger_with_what_is_outstanding(
    api: Api, history: dict[str, Any]
) -> None:
    phl = api.get("phl", "/v1/ledger/PHL").json()
    [deu] = [c for c in phl["counterparts"] if c["country"] == "DEU"]
    assert deu == {"country": "DEU", "promised": 56_000, "delivered": 30_000, "outstanding": 26_000}
    assert phl["balances"]["benefit_received"] == 30_000
    germany = api.get("deu", "/v1/ledger/DEU").json()
    [back] = [c for c in germany["counterparts"] if c["country"] == "PHL"]
    assert back["outstanding"] == -26_000
    assert germany["balances"]["benefit_paid"] == -30_000
    # every movement is a pair that sums to zero, payments included
    with session_scope(api.engine) as session:
        from exchange.ledger.service import balances

        totals = balances(session=session)
    assert totals.benefit_received + totals.benefit_paid == 0
    assert totals.workers_out + totals.workers_in == 0
    # the origin's focal point does not record the destination's payments
    refused = api.post(
        "phl",
        f"/v1/placements/{history['p1']}/payments",
        json={"amount_usd": 1, "month": "2026-01"},
    )
    assert refused.status_code == 403


def test_cancelled_workers_release_quota_and_depletion_headroom(
    api: Api, history: dict[str, Any]
) -> None:
    created = api.post(
        "planner",
        "/v1/rounds",
        json={"policy": {**CODE, "max_depletion_share": 0.01}, "as_of": "2025-06"},
    )
    rid = created.json()["id"]
    assert api.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
    scenario = api.get("planner", f"/v1/rounds/{rid}/scenario").json()
    [a2] = [a for a in scenario["agreements"] if a["id"] == history["a2"]]
    assert (a2["quotas"], a2["quota_used"]) == ({"2221": 5}, {"2221": 4})  # 5 booked - 1
    [npl] = [f for f in scenario["workforce"] if f["country"] == "NPL"]
    assert npl["relocated_recently"] == 4


@pytest.mark.parametrize(
    ("placement", "body", "locs", "words"),
    [
        (
            "p3",
            {"kind": "started", "workers": 1, "month": "2025-12"},
            [["workers"], ["workers"]],  # beyond the workers, and beyond those departed
            "departed",
        ),
        ("p2", {"kind": "returned", "workers": 1, "month": "2026-01"}, [["workers"]], "started"),
        ("p1", {"kind": "contract_signed", "workers": 1, "month": "2026-01"}, [["workers"]], "10"),
        (
            "p3",
            {"kind": "departed", "workers": 1, "month": "2025-09"},
            [["month"], ["workers"]],  # before the start, and a fifth departure of four
            "start",
        ),
        (
            "p3",
            {"kind": "started", "workers": 1, "month": "2025-09"},
            [["month"], ["workers"], ["workers"]],
            "before",
        ),
        ("p3", {"kind": "departed", "workers": 1, "month": "2025-13"}, [["month"]], "YYYY-MM"),
        ("p3", {"kind": "departed", "workers": 0, "month": "2025-12"}, [["body", "workers"]], ""),
        ("p3", {"kind": "moved", "workers": 1, "month": "2025-12"}, [["body", "kind"]], ""),
    ],
)
def test_a_bad_event_names_every_problem_and_writes_nothing(
    api: Api,
    history: dict[str, Any],
    placement: str,
    body: dict[str, Any],
    locs: list[list[str]],
    words: str,
) -> None:
    pid = history[placement]
    before = api.get("planner", f"/v1/placements/{pid}").json()
    events_before = len(api.get("planner", f"/v1/placements/{pid}/events").json())
    refused = api.post("planner", f"/v1/placements/{pid}/events", json=body)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["loc"][-len(loc) :] for e, loc in zip(errors, locs, strict=True)] == locs
    assert words in " ".join(e["msg"] for e in errors)
    assert api.get("planner", f"/v1/placements/{pid}").json() == before
    assert len(api.get("planner", f"/v1/placements/{pid}/events").json()) == events_before


def test_events_are_idempotent_and_answer_to_the_countries_concerned(
    api: Api, history: dict[str, Any]
) -> None:
    url = f"/v1/placements/{history['p3']}/events"
    body = {"kind": "returned", "workers": 1, "month": "2026-05"}
    headers = {"Idempotency-Key": "return-1"}
    first = api.post("deu", url, json=body, headers=headers)
    again = api.post("deu", url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.get("planner", f"/v1/placements/{history['p3']}").json()["stages"]["returned"] == 1
    assert api.post("viewer", url, json=body).status_code == 403
    assert api.post("jpn", url, json=body).status_code == 404


def test_focal_points_download_placements_and_upload_events_all_or_nothing(
    api: Api, history: dict[str, Any]
) -> None:
    sheet = api.get("phl", "/v1/exports/placements", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert sorted(int(r["id"]) for r in rows) == sorted([history["p1"], history["p3"]])
    p3 = history["p3"]
    bad = (
        "placement_id,kind,workers,month,note\n"
        f"{p3},returned,1,2026-04,home\n"
        f"{p3},returned,9,2026-05,too many\n"
        f"{history['p2']},ended,1,2026-05,not mine\n"
        f"{p3},flew,1,2026-05,\n"
    )
    refused = api.request(
        "phl",
        "POST",
        "/v1/placements/events/import",
        files={"file": ("events.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422, refused.text
    rows_named = sorted({e["loc"][1] for e in refused.json()["errors"] if e["loc"][0] == "row"})
    assert rows_named == [3, 4, 5]
    assert api.get("planner", f"/v1/placements/{p3}").json()["stages"]["returned"] == 0
    good = (
        "placement_id,kind,workers,month,note\n"
        f"{p3},returned,1,2026-04,home\n"
        f"{p3},ended,2,2026-05,\n"
    )
    done = api.request(
        "phl",
        "POST",
        "/v1/placements/events/import",
        files={"file": ("events.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 201, done.text
    assert done.json() == {"events": 2, "placements": [p3]}
    stages = api.get("planner", f"/v1/placements/{p3}").json()["stages"]
    assert (stages["returned"], stages["ended"]) == (1, 2)
