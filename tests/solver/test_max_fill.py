"""Tier 2 by its max-z LP (`solver.pooled.max_fill_bound`), as a round solved whole takes it:
z* exactly, where the pooled bound may lie above it, and the tiers still equal the plain
MIP's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import solver.tiers
from solver.backends import solve_lp
from solver.fill_rows import FillRows
from solver.pooled import PooledBound, max_fill_bound
from tests.solver.factories import deposit, scenario, withdrawal
from tests.solver.strategies import scenarios
from tests.solver.test_pooled import LOOSE, claimed_values, solved_round


def never_pooled(*_: Any, **__: Any) -> PooledBound:
    raise AssertionError("a round solved whole takes tier 2's max-z LP, not the pooled bound")


def test_the_max_z_lp_is_exact_where_the_pooled_bound_is_loose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the pooled guesses reach 466 on this round (tests/solver/test_pooled.py), z* is 400
    monkeypatch.setattr(solver.tiers, "pooled_fill_bound", never_pooled)
    _, values, methods = solved_round(LOOSE, whole=True)
    assert values[:2] == [14, 400]
    assert methods[1] == "lp"


def test_a_level_the_lp_allows_but_whole_workers_do_not_is_descended_from() -> None:
    # 3 workers for two destinations of 3: z* = 500 (1.5 each), but 500 needs 2 workers each;
    # tier 3 proves 500 out, then the levels below, and the fill duals' rounding finds 333
    raw = scenario(
        [deposit(count=3)],
        [withdrawal(count=3), withdrawal("w2", country="CCC", count=3)],
    )
    _, values, methods = solved_round(raw, whole=True)
    assert values[:2] == [3, 333]
    assert methods[1] == "fill-duals"


def test_the_bound_is_the_max_z_lp_and_z_stays_fixed_at_zero() -> None:
    # tiers 1-3 kept in the model's LP, tier 2 at z* = 400
    model, _, _ = solved_round(LOOSE, whole=True)
    lp = model.lp
    lp.col_lo[model.z] = lp.col_hi[model.z] = 0.0
    lp.row_lo[model.fill_rows] = 0.0  # no need: z alone says the level
    fills = FillRows.of(lp, model.fill_rows, model.z)
    got = max_fill_bound(lp, fills, model.z, np.zeros(lp.ncols), time_limit=10.0)
    assert lp.col_hi[model.z] == 0.0
    assert got.support is not None
    assert len(got.points) == 2
    cost = np.zeros(lp.ncols)
    cost[model.z] = 1.0
    lp.col_hi[model.z] = 1000.0
    direct = solve_lp(lp, cost, maximize=True, time_limit=10.0)
    assert got.bound == pytest.approx(direct.objective)
    assert got.bound == pytest.approx(400.0)


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_tier_2_by_the_max_z_lp_equals_the_plain_mip(raw: dict[str, Any]) -> None:
    lp_path, mip = claimed_values(raw, full_below=None, whole=True)
    assert lp_path == mip
