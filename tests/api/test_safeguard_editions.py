"""Safeguards-list editions through HTTP, on both engines: a country's status at a month, the
edition a round applies, and the refusal of a month before the earliest recorded edition.

The two editions here are test data written into the test database, not the reference file:
"2020" (in force from 2020-05) lists Nepal and the Philippines, "2023" (from 2023-03) Nepal only,
so the Philippines stands in for a country listed only in 2020. (The reference file cites WHO's
2020 edition but records none of its names yet: no source available here names them.)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from exchange.db import session_scope
from exchange.reference.loading import write_safeguard_edition
from exchange.scenarios import builder
from exchange.timestamps import current_month
from tests.api.conftest import Api, deposit, withdrawal


@pytest.fixture
def editions(api: Api) -> Api:
    with session_scope(api.engine) as session:
        write_safeguard_edition(session, "2020", "2020-05", "test edition", ["NPL", "PHL"])
        write_safeguard_edition(session, "2023", "2023-03", "test edition", ["NPL"])
    return api


def status(api: Api, url: str) -> dict[str, tuple[bool, str | None]]:
    response = api.get("viewer", url)
    assert response.status_code == 200, response.text
    countries = response.json()["data"]
    return {c["code"]: (c["safeguard_listed"], c["safeguard_edition"]) for c in countries}


def test_countries_show_the_status_in_force_at_a_month(editions: Api) -> None:
    at_2021 = status(editions, "/v1/countries?as_of=2021-06")
    assert at_2021["PHL"] == (True, "2020")
    assert at_2021["NPL"] == (True, "2020")
    assert at_2021["DEU"] == (False, "2020")
    at_2024 = status(editions, "/v1/countries?as_of=2024-01")
    assert at_2024["PHL"] == (False, "2023")
    assert at_2024["NPL"] == (True, "2023")
    now = editions.get("viewer", "/v1/countries").json()
    assert now["as_of"] == current_month()
    assert {c["safeguard_edition"] for c in now["data"]} == {"2023"}

    one = editions.get("phl", "/v1/countries/phl?as_of=2021-06")
    assert one.status_code == 200
    assert (one.json()["safeguard_listed"], one.json()["safeguard_edition"]) == (True, "2020")
    assert one.headers["ETag"] == '"1"'
    later = editions.get("phl", "/v1/countries/PHL?as_of=2024-01").json()
    assert (later["safeguard_listed"], later["safeguard_edition"]) == (False, "2023")


@pytest.mark.parametrize("url", ["/v1/countries?as_of=2019-12", "/v1/countries/PHL?as_of=2020-04"])
def test_a_month_before_the_earliest_edition_is_refused(editions: Api, url: str) -> None:
    response = editions.get("viewer", url)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "as_of"]
    assert "before the earliest recorded edition" in error["msg"]
    assert "in force from 2020-05" in error["msg"]


@pytest.mark.parametrize("month", ["2021-13", "2021-6", "june", "2021-06-01"])
def test_a_malformed_month_is_refused(editions: Api, month: str) -> None:
    for url in (f"/v1/countries?as_of={month}", f"/v1/countries/NPL?as_of={month}"):
        response = editions.get("viewer", url)
        assert response.status_code == 422, (url, response.text)
        assert [e["loc"] for e in response.json()["errors"]] == [["query", "as_of"]]


def run_round_as_of(
    api: Api, month: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, httpx.Response]:
    """Create and run a round whose snapshot is taken as of ``month`` (the month it runs in: the
    builder's clock is set to it; a round's ``as_of`` field does the same); its id and the run's
    response."""
    monkeypatch.setattr(builder, "current_month", lambda: month)
    created = api.post("planner", "/v1/rounds", json={"policy": {}})
    assert created.status_code == 201, created.text
    rid = int(created.json()["id"])
    return rid, api.post("planner", f"/v1/rounds/{rid}/run")


def solved(api: Api, run: tuple[int, httpx.Response]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Solve the round just run; its scenario and result."""
    rid, ran = run
    assert ran.status_code == 202, ran.text
    api.solve()
    scenario = api.get("planner", f"/v1/rounds/{rid}/scenario").json()
    result = api.get("planner", f"/v1/rounds/{rid}/result").json()
    return scenario, result


def test_a_round_as_of_2021_applies_the_2020_edition(
    editions: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deposit from a country listed only in 2020 is not matched without a G2G agreement in a
    round as of 2021-06 (E7), and is matched in a round as of 2024-01."""
    assert editions.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    assert editions.post("deu", "/v1/withdrawals", json=withdrawal()).status_code == 201

    first = run_round_as_of(editions, "2021-06", monkeypatch)
    scenario, result = solved(editions, first)
    assert scenario["as_of"] == "2021-06"
    listed = {c["code"]: c["safeguard_listed"] for c in scenario["countries"]}
    assert listed["PHL"] is True
    assert result["matches"] == []
    (held,) = result["unmatched"]["deposits"]
    assert held["id"] == scenario["deposits"][0]["id"]
    assert [r["code"] for r in held["reasons"]] == ["SAFEGUARD_NO_G2G"]
    # closed, it no longer holds the postings (a posting sits in one live round at a time)
    assert editions.post("planner", f"/v1/rounds/{first[0]}/close").status_code == 200
    scenario, result = solved(editions, run_round_as_of(editions, "2024-01", monkeypatch))
    assert scenario["as_of"] == "2024-01"
    assert {c["code"]: c["safeguard_listed"] for c in scenario["countries"]}["PHL"] is False
    assert [m["count"] for m in result["matches"]] == [10]


def test_a_round_as_of_a_month_before_the_earliest_edition_is_refused(
    editions: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running it is a 422 naming ``as_of`` and the earliest edition's month; the round stays a
    draft and can run once the month is covered."""
    assert editions.post("phl", "/v1/deposits", json=deposit()).status_code == 201
    rid, ran = run_round_as_of(editions, "2019-12", monkeypatch)
    assert ran.status_code == 422, ran.text
    (error,) = ran.json()["errors"]
    assert error["loc"] == ["as_of"]
    assert "2019-12 is before the earliest recorded edition" in error["msg"]
    assert "in force from 2020-05" in error["msg"]
    assert editions.get("planner", f"/v1/rounds/{rid}").json()["status"] == "draft"
    monkeypatch.setattr(builder, "current_month", lambda: "2020-05")
    assert editions.post("planner", f"/v1/rounds/{rid}/run").status_code == 202
