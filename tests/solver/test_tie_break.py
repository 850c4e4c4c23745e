"""Tier 4, the tie-break: afresh, or from tier 3's kept master when its objective is flat
(`solver.tiers.FLAT_TIE_BREAK_WARM`: no free column needs language training)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import solver.columns as columns
import solver.tiers as tiers
from fixtures.hard import generate_hard_scenario
from solver import check_solution, solve
from solver.backends import LinearModel
from solver.master import KeptMaster
from solver.schema import Result, Scenario
from solver.tiers import flat_tie_break


def model_with_bounds(col_hi: list[float]) -> LinearModel:
    n = len(col_hi)
    return LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.array(col_hi),
        integer=np.ones(n, dtype=bool),
        matrix=sp.csr_matrix(np.ones((1, n))),
        row_lo=np.array([0.0]),
        row_hi=np.array([10.0]),
    )


def test_a_tie_break_is_flat_when_no_free_column_costs_a_training_month() -> None:
    lp = model_with_bounds([1.0, 1.0, 0.0])  # the third column is fixed at 0
    assert flat_tie_break(np.array([0.0, -2.0, 7.0]), lp)  # only the fixed column trains
    assert not flat_tie_break(np.array([1.0, -2.0, 0.0]), lp)  # 3 months - 2 preferences met
    assert flat_tie_break(np.array([-1.0, 0.0, 0.0]), lp)


def tier_4_start(raw: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Result, bool]:
    """The round solved by column generation, and whether its last LP (tier 4's) was handed
    a kept master to go on from (one LP's, or its blocks' when the fill rows do not bind)."""
    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # masters, even on a small round
    went_on: list[bool] = []
    lp_columns = tiers.solve_lp_columns

    def recorded(*args: Any, **kwargs: Any) -> Any:
        keep: KeptMaster | None = kwargs["keep"]
        went_on.append(keep is not None and (keep.master is not None or bool(keep.parts)))
        return lp_columns(*args, **kwargs)

    monkeypatch.setattr(tiers, "solve_lp_columns", recorded)
    result = solve(Scenario.model_validate(raw))
    monkeypatch.setattr(tiers, "solve_lp_columns", lp_columns)
    return result, went_on[-1]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_flat_tie_break_goes_on_from_tier_3s_master(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = generate_hard_scenario(300, seed=seed)
    raw["policy"]["language_months_per_level"] = 0  # every gap bridges at once: no months
    monkeypatch.setattr(tiers, "FLAT_TIE_BREAK_WARM", False)
    afresh, went_on = tier_4_start(raw, monkeypatch)
    assert not went_on
    monkeypatch.setattr(tiers, "FLAT_TIE_BREAK_WARM", True)
    warm, went_on = tier_4_start(raw, monkeypatch)
    assert went_on
    assert warm.status == afresh.status == "OPTIMAL"
    assert warm.objective == afresh.objective
    assert check_solution(Scenario.model_validate(raw), warm) == []
    months = sum(m.count * m.language_training_months for m in warm.matches)
    assert months == 0


def test_a_tie_break_with_training_months_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = generate_hard_scenario(300, seed=0)
    monkeypatch.setattr(tiers, "FLAT_TIE_BREAK_WARM", True)
    result, went_on = tier_4_start(raw, monkeypatch)
    assert result.status == "OPTIMAL"
    assert not went_on
    months = sum(m.count * m.language_training_months for m in result.matches)
    assert months > 0  # the tie-break charged them: not flat
