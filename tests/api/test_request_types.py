"""Request bodies take JSON as it is: ``null`` on creation is absent, no lax type coercion, and
every integer within a documented range (``exchange.bounds``), out of range a 422 naming it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange import bounds
from tests.api.conftest import Api, deposit, make_round, withdrawal
from tests.conftest import empty_database

AGREEMENT = {"origin": "PHL", "destination": "DEU", "valid_from": "2026-01", "valid_to": "2030-12"}
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _problems(response: Any) -> dict[tuple[Any, ...], str]:
    assert response.status_code == 422, response.text
    return {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}


# ---------------------------------------------------------------- null is absent on creation


def test_null_takes_the_default_on_creating_a_withdrawal(api: Api) -> None:
    body = withdrawal("GBR", count=5, priority=None, duration_months=None, modality=None)
    body.update(language_training_months=None, benefit_usd_per_worker=None, id=None, notes=None)
    created = api.post("gbr", "/v1/withdrawals", json=body)
    assert created.status_code == 201, created.text
    got = created.json()
    assert (got["priority"], got["duration_months"], got["modality"]) == (1, 12, "relocation")
    assert (got["language_training_months"], got["benefit_usd_per_worker"]) == (0, 0)
    assert got["id"].startswith("wdr-")


def test_null_takes_the_default_on_creating_a_deposit_and_an_agreement(api: Api) -> None:
    body = deposit(modalities=None, languages=None, max_duration_months=None)
    body.update(min_benefit_usd_per_worker=None, excluded_destinations=None)
    got = api.post("phl", "/v1/deposits", json=body)
    assert got.status_code == 201, got.text
    assert got.json()["modalities"] == ["relocation"]
    assert (got.json()["languages"], got.json()["min_benefit_usd_per_worker"]) == ({}, 0)
    nulls = {"g2g": None, "cadres": None, "quotas": None, "benefit_usd_per_worker": None}
    agreement = api.post("planner", "/v1/agreements", json={**AGREEMENT, **nulls})
    assert agreement.status_code == 201, agreement.text
    assert {k: agreement.json()[k] for k in nulls} == {
        "g2g": False,
        "cadres": [],
        "quotas": {},
        "benefit_usd_per_worker": 0,
    }


def test_null_in_a_round_policy_and_a_workforce_fact_takes_the_default(api: Api) -> None:
    policy = {"safeguard_mode": None, "seed": None, "max_depletion_share": None}
    created = api.post("planner", "/v1/rounds", json={"policy": policy, "countries": None})
    assert created.status_code == 201, created.text
    fact = {"stock": 4_000, "positive_list": True}
    assert api.put("planner", "/v1/workforce/DEU/2221", json=fact).status_code == 200
    reset = api.put("planner", "/v1/workforce/DEU/2221", json={"positive_list": None})
    assert reset.status_code == 200, reset.text
    assert (reset.json()["stock"], reset.json()["positive_list"]) == (4_000, False)
    new = api.put("planner", "/v1/workforce/NPL/2221", json={"positive_list": None, "stock": None})
    assert (new.json()["stock"], new.json()["positive_list"]) == (None, False)


def test_a_required_field_given_as_null_is_still_required(api: Api) -> None:
    found = _problems(api.post("phl", "/v1/deposits", json=deposit(count=None, cadre=None)))
    assert found[("body", "count")] == "Field required"
    assert found[("body", "cadre")] == "Field required"


def test_patch_keeps_null_as_a_reset_to_the_default(api: Api) -> None:
    created = api.post("deu", "/v1/withdrawals", json=withdrawal(priority=4)).json()
    patched = api.patch(
        "deu",
        f"/v1/withdrawals/{created['id']}",
        json={"priority": None},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["priority"] == 1


# ---------------------------------------------------------------- no lax coercion


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/deposits", deposit(count=True), "count"),
        ("/v1/deposits", deposit(count="5"), "count"),
        ("/v1/deposits", deposit(count=5.5), "count"),
        ("/v1/deposits", deposit(max_duration_months=False), "max_duration_months"),
        ("/v1/deposits", deposit(min_benefit_usd_per_worker="500"), "min_benefit_usd_per_worker"),
        ("/v1/deposits", deposit(cadre=2221), "cadre"),
        ("/v1/withdrawals", withdrawal(requires_recognition="true"), "requires_recognition"),
        ("/v1/withdrawals", withdrawal(requires_recognition=1), "requires_recognition"),
        ("/v1/agreements", {**AGREEMENT, "g2g": 1}, "g2g"),
        ("/v1/agreements", {**AGREEMENT, "quotas": {"2221": "50"}}, "quotas"),
    ],
)
def test_wrong_json_types_are_refused(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    who = "planner" if "agreements" in path else ("phl" if "deposits" in path else "deu")
    found = _problems(api.post(who, path, json=body))
    assert any(loc[:2] == ("body", field) for loc in found), found


def test_wrong_json_types_in_a_workforce_fact_and_a_policy_are_refused(api: Api) -> None:
    fact = {"positive_list": "yes", "stock": "4000", "education_cost_usd": True}
    found = _problems(api.put("planner", "/v1/workforce/DEU/2221", json=fact))
    assert {("body", "positive_list"), ("body", "stock"), ("body", "education_cost_usd")} <= set(
        found
    )
    policy = {"seed": True, "benefit_floor_ratio": "0.5", "language_months_per_level": 6.5}
    found = _problems(api.post("planner", "/v1/rounds", json={"policy": policy}))
    assert {("body", "policy", name) for name in policy} <= set(found)


def test_decimal_policy_fields_take_json_numbers(api: Api) -> None:
    policy = {"benefit_floor_ratio": 0.35, "max_depletion_share": 1, "time_limit_s": 5}
    created = api.post("planner", "/v1/rounds", json={"policy": policy})
    assert created.status_code == 201, created.text
    assert created.json()["policy"] == policy


NOT_INTEGERS = st.one_of(
    st.booleans(),
    st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
    st.lists(st.integers(), max_size=2),
)


@PROPERTY
@given(
    field=st.sampled_from(["count", "priority", "duration_months", "benefit_usd_per_worker"]),
    value=NOT_INTEGERS,
)
def test_no_integer_field_takes_anything_but_an_integer(api: Api, field: str, value: Any) -> None:
    found = _problems(api.post("deu", "/v1/withdrawals", json=withdrawal(**{field: value})))
    assert ("body", field) in found
    assert api.get("deu", "/v1/withdrawals").json()["count"] == 0


# ---------------------------------------------------------------- ranges


def test_the_audits_numbers_out_of_range_are_named(api: Api) -> None:
    found = _problems(api.post("phl", "/v1/deposits", json=deposit(count=1_000_000_000_000)))
    assert found == {("body", "count"): "must be at most 100,000, got 1,000,000,000,000"}
    big = 99999999999999999999999999
    found = _problems(api.put("planner", "/v1/workforce/DEU/2221", json={"stock": big}))
    assert set(found) == {("body", "stock")}
    found = _problems(api.get("planner", "/v1/deposits?offset=99999999999999999999"))
    assert set(found) == {("query", "offset")}


@pytest.mark.parametrize(
    ("path", "who", "body", "loc"),
    [
        ("/v1/deposits", "phl", deposit(count=3_000_000_000), ("count",)),
        (
            "/v1/deposits",
            "phl",
            deposit(min_benefit_usd_per_worker=2**31),
            ("min_benefit_usd_per_worker",),
        ),
        ("/v1/deposits", "phl", deposit(max_duration_months=2**40), ("max_duration_months",)),
        (
            "/v1/withdrawals",
            "deu",
            withdrawal(benefit_usd_per_worker=2**63),
            ("benefit_usd_per_worker",),
        ),
        (
            "/v1/withdrawals",
            "deu",
            withdrawal(language_training_months=481),
            ("language_training_months",),
        ),
        ("/v1/withdrawals", "deu", withdrawal(duration_months=10**30), ("duration_months",)),
        ("/v1/agreements", "planner", {**AGREEMENT, "quotas": {"2221": 2**31}}, ("quotas", "2221")),
        (
            "/v1/agreements",
            "planner",
            {**AGREEMENT, "benefit_usd_per_worker": 2**31},
            ("benefit_usd_per_worker",),
        ),
        ("/v1/rounds", "planner", {"policy": {"seed": 2**70}}, ("policy", "seed")),
        (
            "/v1/rounds",
            "planner",
            {"policy": {"max_depletion_share": 2}},
            ("policy", "max_depletion_share"),
        ),
        (
            "/v1/rounds",
            "planner",
            {"policy": {"pair_minimum_benefit_usd": 2**64}},
            ("policy", "pair_minimum_benefit_usd"),
        ),
        (
            "/v1/rounds",
            "planner",
            {"policy": {"language_months_per_level": 2**40}},
            ("policy", "language_months_per_level"),
        ),
    ],
)
def test_out_of_range_is_a_422_naming_the_field(
    api: Api, path: str, who: str, body: dict[str, Any], loc: tuple[str, ...]
) -> None:
    found = _problems(api.post(who, path, json=body))
    assert set(found) == {("body", *loc)}


def test_the_bounds_themselves_are_stored(api: Api) -> None:
    body = deposit(count=bounds.WORKERS_MAX, max_duration_months=bounds.MONTHS_MAX)
    body["min_benefit_usd_per_worker"] = bounds.USD_PER_WORKER_MAX
    created = api.post("phl", "/v1/deposits", json=body)
    assert created.status_code == 201, created.text
    fact = {"stock": bounds.STOCK_MAX, "education_cost_usd": bounds.USD_PER_WORKER_MAX}
    assert api.put("planner", "/v1/workforce/DEU/2221", json=fact).status_code == 200
    agreement = {**AGREEMENT, "quotas": {"2221": bounds.QUOTA_MAX}}
    agreement["benefit_usd_per_worker"] = bounds.USD_PER_WORKER_MAX
    assert api.post("planner", "/v1/agreements", json=agreement).status_code == 201
    policy = {"seed": bounds.SEED_MAX, "pair_minimum_benefit_usd": bounds.PAIR_BENEFIT_USD_MAX}
    assert api.post("planner", "/v1/rounds", json={"policy": policy}).status_code == 201


def test_integer_query_and_path_parameters_have_bounds(api: Api) -> None:
    huge = 2**31
    for url, loc in [
        (f"/v1/deposits?offset={huge}", ("query", "offset")),
        (f"/v1/rounds?offset={huge}", ("query", "offset")),
        (f"/v1/proposals?round={huge}", ("query", "round")),
        (f"/v1/dashboard/flows?round={huge}", ("query", "round")),
        (f"/v1/ledger/PHL?round={huge}", ("query", "round")),
        (f"/v1/rounds/{huge}", ("path", "round_id")),
        (f"/v1/proposals/{huge}", ("path", "proposal_id")),
    ]:
        assert set(_problems(api.get("planner", url))) == {loc}, url


@PROPERTY
@given(
    field=st.sampled_from(["count", "language_training_months", "duration_months"]),
    value=st.integers(min_value=bounds.WORKERS_MAX + 1),
)
def test_any_integer_above_its_bound_is_a_422_naming_the_field(
    api: Api, field: str, value: int
) -> None:
    found = _problems(api.post("deu", "/v1/withdrawals", json=withdrawal(**{field: value})))
    assert set(found) == {("body", field)}


def test_a_round_at_the_bounds_is_solved_stored_and_closed(api: Api) -> None:
    # 100,000 workers at 10,000,000 dollars: 10**12 of benefit, beyond a 32-bit column
    workers, dollars = bounds.WORKERS_MAX, bounds.USD_PER_WORKER_MAX
    assert api.post("phl", "/v1/deposits", json=deposit(count=workers)).status_code == 201
    posted = api.post(
        "deu", "/v1/withdrawals", json=withdrawal(count=workers, benefit_usd_per_worker=dollars)
    )
    assert posted.status_code == 201, posted.text
    rnd = make_round(api, post=False)
    assert rnd["objective"]["benefit_usd"] == workers * dollars
    for proposal in api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]:
        for side in ("phl", "deu"):
            assert api.post(side, f"/v1/proposals/{proposal['id']}/accept").status_code == 200
    closed = api.post("planner", f"/v1/rounds/{rnd['id']}/close")
    assert closed.status_code == 200, closed.text
    ledger = api.get("planner", "/v1/ledger/PHL").json()
    assert workers * dollars in [entry["amount"] for entry in ledger["data"]]
    # migration tests that share this database go down to 32-bit columns: leave no 10**12 behind
    empty_database(api.engine)
