"""An invalid scenario is rejected as a whole with every problem (path + message)."""

from __future__ import annotations

from solver import solve, validate
from solver.schema import Scenario
from tests.solver.factories import agreement, deposit, scenario, withdrawal


def paths(raw: dict) -> set[str]:
    out = validate(raw)
    assert isinstance(out, list)
    return {p.path for p in out}


def test_valid_scenario_parses() -> None:
    assert isinstance(validate(scenario([deposit()], [withdrawal()])), Scenario)


def test_every_problem_is_listed() -> None:
    raw = scenario(
        [
            deposit(country="ZZZ", count=0, languages={"en": "D1"}),
            deposit(available_from="2027-05", available_to="2027-01"),
        ],
        [
            withdrawal(priority=6, start_from="2027-07", benefit_usd_per_worker=-1),
            withdrawal(cadre="22a1", preferred_origins=["QQQ"], start_to="2027-13"),
        ],
        agreements=[agreement(valid_from="2031-01"), agreement(unknown=1)],
        policy={"safeguard_mode": "lax", "pair_minimum_benefit_usd": -5},
    )
    assert paths(raw) == {
        "deposits[0].country",
        "deposits[0].count",
        "deposits[0].languages.en",
        "deposits[1].id",
        "deposits[1].available_from",
        "withdrawals[0].priority",
        "withdrawals[0].start_from",
        "withdrawals[0].benefit_usd_per_worker",
        "withdrawals[1].id",
        "withdrawals[1].cadre",
        "withdrawals[1].preferred_origins[0]",
        "withdrawals[1].start_to",
        "agreements[0].valid_from",
        "agreements[1].unknown",
        "agreements[1].id",
        "policy.safeguard_mode",
        "policy.pair_minimum_benefit_usd",
    }


def test_null_is_absent() -> None:
    raw = scenario(
        [deposit(modalities=None, max_duration_months=None)], [withdrawal(priority=None)]
    )
    s = validate(raw)
    assert isinstance(s, Scenario)
    assert s.deposits[0].modalities == ["relocation"]
    assert s.withdrawals[0].priority == 1


def test_cadre_without_workforce_is_fine() -> None:
    assert isinstance(validate(scenario([deposit(cadre="9999")], [])), Scenario)


def test_invalid_result_has_only_status_and_errors() -> None:
    r = solve(scenario([deposit(count=0)], []))
    dumped = r.model_dump(mode="json", exclude_none=True)
    assert set(dumped) == {"status", "errors"}
    assert dumped["status"] == "INVALID"
    assert dumped["errors"][0]["path"] == "deposits[0].count"


def test_not_an_object() -> None:
    assert validate([]) == validate("x")  # type: ignore[arg-type]
