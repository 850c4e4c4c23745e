"""Size limits (solver.limits): a round too large for the model is refused, cheaply and always
the same way, with a message that says what to narrow; a round within them is solved as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import solver.classes
from solver import RoundTooLarge, solve
from solver.classes import enumerate_pairs
from solver.cli import EXIT_INVALID, run_cli
from solver.eligibility import Context
from tests.solver.factories import deposit, parse, scenario, withdrawal


def distinct(n: int) -> dict[str, Any]:
    """n deposits and n withdrawals of one cadre that never merge and are all pairwise eligible:
    n x n eligible class pairs."""
    return scenario(
        [deposit(f"d{i}", min_benefit_usd_per_worker=i) for i in range(n)],
        [withdrawal(f"w{i}", benefit_usd_per_worker=1000 + i) for i in range(n)],
    )


def test_eligible_class_pairs_beyond_the_cap_are_refused() -> None:
    s = parse(distinct(3))
    assert len(enumerate_pairs(Context.of(s), s, max_class_pairs=9)) == 9
    with pytest.raises(RoundTooLarge) as refused:
        enumerate_pairs(Context.of(s), s, max_class_pairs=8)
    message = str(refused.value)
    assert "more than 8 eligible pairs of posting classes" in message
    assert "3 deposit and 3 withdrawal classes" in message
    assert "narrow the round with countries or cadres" in message


def test_pairs_to_check_beyond_the_cap_are_refused_before_any_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = parse(distinct(3))
    monkeypatch.setattr(solver.classes, "MAX_CLASS_PAIRS_CONSIDERED", 8)

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("eligibility was evaluated")

    monkeypatch.setattr(solver.classes, "CadreBlock", never)
    with pytest.raises(RoundTooLarge, match="9 pairs of posting classes of the same cadre"):
        enumerate_pairs(Context.of(s), s)


def test_only_class_pairs_count_not_postings() -> None:
    """Postings alike in every attribute merge: 50 x 50 postings are one class pair."""
    raw = scenario([deposit(f"d{i}") for i in range(50)], [withdrawal(f"w{i}") for i in range(50)])
    result = solve(raw, max_class_pairs=1)
    assert result.status == "OPTIMAL"
    assert result.stats is not None
    assert result.stats.class_pairs == 1


def test_solve_and_the_command_line_refuse_a_round_too_large(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = distinct(3)
    with pytest.raises(RoundTooLarge):
        solve(raw, max_class_pairs=4)
    assert solve(raw).status == "OPTIMAL"  # the default cap is far above 9
    path = tmp_path / "s.json"
    path.write_text(json.dumps(raw))
    assert run_cli(str(path), max_class_pairs=4) == EXIT_INVALID
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "INVALID"
    assert "more than 4 eligible pairs" in printed["errors"][0]["message"]
