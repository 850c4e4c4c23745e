"""E12 DECLINED, hrhx's extension: pairs in ``excluded_pairs`` are never matched."""

from __future__ import annotations

from solver import eligibility as el
from solver import solve, validate
from solver.schema import Scenario
from tests.solver.factories import deposit, parse, scenario, withdrawal


def _declined(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"deposit_id": d, "withdrawal_id": w} for d, w in pairs]


def test_e12_declined_after_every_spec_rule() -> None:
    raw = scenario([deposit()], [withdrawal()])
    raw["excluded_pairs"] = _declined([("d1", "w1")])
    s = parse(raw)
    assert el.first_failure(el.Context.of(s), s.deposits[0], s.withdrawals[0]) == "DECLINED"
    # an earlier rule stays the reason
    raw["deposits"] = [deposit(cadre="2211")]
    s = parse(raw)
    assert el.first_failure(el.Context.of(s), s.deposits[0], s.withdrawals[0]) == "CADRE"


def test_declined_posting_is_not_merged_and_its_twin_still_serves() -> None:
    # d1 and d2 are interchangeable; only (d1, w1) was declined.
    raw = scenario([deposit("d1", count=5), deposit("d2", count=5)], [withdrawal(count=8)])
    raw["excluded_pairs"] = _declined([("d1", "w1")])
    result = solve(raw)
    assert result.status == "OPTIMAL"
    assert [(m.deposit_id, m.withdrawal_id, m.count) for m in result.matches] == [("d2", "w1", 5)]
    unfilled = result.unmatched.withdrawals[0]
    assert unfilled.unfilled == 3
    assert any(r.code == "DECLINED" and r.workers == 5 for r in unfilled.reasons)


def test_unknown_ids_in_excluded_pairs_are_reported() -> None:
    raw = scenario([deposit()], [withdrawal()])
    raw["excluded_pairs"] = _declined([("nope", "w1"), ("d1", "gone")])
    problems = validate(raw)
    assert not isinstance(problems, Scenario)
    assert {p.path for p in problems} == {
        "excluded_pairs[0].deposit_id",
        "excluded_pairs[1].withdrawal_id",
    }


def test_scenarios_without_the_extension_are_unchanged() -> None:
    raw = scenario([deposit()], [withdrawal()])
    assert "excluded_pairs" not in solve(raw).model_dump(mode="json", exclude_none=True)
    assert parse(raw).excluded_pairs == []
