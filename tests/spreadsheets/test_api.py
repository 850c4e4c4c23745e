"""Imports, templates and exports through HTTP."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from tests.api.conftest import Api, make_round

GOOD = (
    b"id,cadre,count,languages,available_from,available_to,modalities\n"
    b"phl-a,2221,10,en:C1;de:B2,2020-01,2099-12,relocation;remote\n"
    b"phl-b,2221,5,en:B2,2020-01,2099-12,\n"
)
BAD = (
    b"id,cadre,count,languages,available_from,available_to,modalities\n"
    b"phl-a,2221,10,en:C1,2020-01,2099-12,relocation\n"
    b"phl-b,2221,0,en:B2,2020-01,2099-12,\n"
    b"phl-c,2221,3,english,2020-01,2099-12,teleport\n"
)


def upload(api: Api, who: str, url: str, content: bytes, name: str = "sheet.csv"):
    return api.post(who, url, files={"file": (name, content, "application/octet-stream")})


def xlsx_withdrawals() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "withdrawals"
    sheet.append(["cadre", "count", "start_from", "start_to", "priority", "benefit_usd_per_worker"])
    sheet.append(["2221", 4, "2020-01", "2099-12", 2, 3000])
    sheet.append(["2221", "many", "2020-01", "2099-12", 7, -1])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_focal_point_imports_a_good_csv(api: Api) -> None:
    r = upload(api, "phl", "/v1/deposits/import", GOOD)
    assert r.status_code == 201, r.text
    assert r.json() | {"sheet": None} == {
        "kind": "deposits",
        "country": "PHL",
        "sheet": None,
        "imported": 2,
        "workers": 15,
        "ids": ["phl-a", "phl-b"],
    }
    listed = api.get("phl", "/v1/deposits").json()
    assert listed["count"] == 2
    assert {d["id"]: d["modalities"] for d in listed["data"]}["phl-a"] == ["relocation", "remote"]


def test_a_retried_upload_with_its_idempotency_key_imports_once(api: Api) -> None:
    """Rows without ids get new ones on each import: a retried upload (lost response) doubled
    every posting. With the same Idempotency-Key, the first answer is replayed."""
    no_ids = b"cadre,count,available_from,available_to\n2221,3,2020-01,2099-12\n"
    files = {"file": ("sheet.csv", no_ids, "text/csv")}
    key = {"Idempotency-Key": "upload-1"}
    first = api.post("phl", "/v1/deposits/import", files=files, headers=key)
    assert first.status_code == 201, first.text
    again = api.post("phl", "/v1/deposits/import", files=files, headers=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.get("phl", "/v1/deposits").json()["count"] == 1
    # the same key with another file is refused; without a key, a second upload imports again
    other = {"file": ("sheet.csv", no_ids.replace(b",3,", b",4,"), "text/csv")}
    assert api.post("phl", "/v1/deposits/import", files=other, headers=key).status_code == 422
    assert api.post("phl", "/v1/deposits/import", files=files).status_code == 201
    assert api.get("phl", "/v1/deposits").json()["count"] == 2


def test_bad_csv_is_a_422_with_every_problem_and_nothing_imported(api: Api) -> None:
    r = upload(api, "phl", "/v1/postings/import?kind=deposits", BAD)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    locs = [tuple(e["loc"]) for e in body["errors"]]
    assert ("row", 3, "count") in locs
    assert ("row", 4, "languages") in locs
    assert ("row", 4, "modalities", 0) in locs
    assert "nothing was imported" in body["detail"]
    assert api.get("phl", "/v1/deposits").json()["count"] == 0


def test_xlsx_withdrawals_good_and_bad(api: Api) -> None:
    r = upload(api, "deu", "/v1/postings/import", xlsx_withdrawals(), "w.xlsx")
    assert r.status_code == 422
    found = {tuple(e["loc"]): e["msg"] for e in r.json()["errors"]}
    assert set(found) == {
        ("row", 3, "count"),
        ("row", 3, "priority"),
        ("row", 3, "benefit_usd_per_worker"),
    }
    workbook = load_workbook(io.BytesIO(xlsx_withdrawals()))
    workbook["withdrawals"].delete_rows(3)
    out = io.BytesIO()
    workbook.save(out)
    r = upload(api, "deu", "/v1/withdrawals/import", out.getvalue(), "w.xlsx")
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["country"], r.json()["sheet"]) == (
        "withdrawals",
        "DEU",
        "withdrawals",
    )


def test_import_roles(api: Api) -> None:
    assert upload(api, None, "/v1/deposits/import", GOOD).status_code == 401
    assert upload(api, "planner", "/v1/deposits/import", GOOD).status_code == 403
    assert upload(api, "viewer", "/v1/deposits/import", GOOD).status_code == 403
    assert upload(api, "phl", "/v1/deposits/import?country=DEU", GOOD).status_code == 403
    assert upload(api, "admin", "/v1/deposits/import", GOOD).status_code == 422
    r = upload(api, "admin", "/v1/deposits/import?country=PHL", GOOD)
    assert r.status_code == 201
    assert r.json()["country"] == "PHL"


def test_templates_download_without_a_token(api: Api) -> None:
    r = api.get(None, "/v1/templates/withdrawals.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="hrhx-withdrawals.csv"' in r.headers["content-disposition"]
    assert r.text.startswith("id,country,cadre,count,required_languages,")
    r = api.get(None, "/v1/templates/deposits.xlsx")
    assert r.status_code == 200
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["deposits", "help"]
    assert api.get(None, "/v1/templates/agreements.csv").status_code == 404


def test_exports_of_proposals_flows_and_ledger(api: Api) -> None:
    rid = make_round(api)["id"]
    r = api.get("planner", f"/v1/exports/rounds/{rid}/proposals?format=csv")
    assert r.status_code == 200
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,round_id,deposit_id,withdrawal_id,origin,destination,cadre")
    assert len(lines) == 2
    assert ",PHL,DEU,2221,10,3000,30000," in lines[1]
    r = api.get("planner", f"/v1/exports/flows?round={rid}&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("origin", "destination", "cadre", "workers", "benefit_usd"),
        ("PHL", "DEU", "2221", 10, 30000),
    ]
    pid = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"][0]["id"]
    assert api.post("phl", f"/v1/proposals/{pid}/accept").status_code == 200
    assert api.post("deu", f"/v1/proposals/{pid}/accept").status_code == 200
    assert api.post("planner", f"/v1/rounds/{rid}/close").status_code == 200
    r = api.get("phl", "/v1/exports/ledger/PHL?format=xlsx")
    assert r.status_code == 200
    workbook = load_workbook(io.BytesIO(r.content))
    entries = list(workbook.active.iter_rows(values_only=True))
    assert entries[0][:3] == ("id", "round_id", "proposal_id")
    assert len(entries) > 1
    assert workbook.sheetnames == ["ledger PHL", "balances"]
    assert ("workers_out", -10) in list(workbook["balances"].iter_rows(values_only=True))
    assert api.get("deu", "/v1/exports/ledger/PHL?format=csv").status_code == 404
    assert api.get("jpn", f"/v1/exports/rounds/{rid}/proposals").text.count("\n") == 1
    assert api.get("planner", "/v1/exports/flows?format=pdf").status_code == 422
