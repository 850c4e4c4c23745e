"""Tier 2 by the pooled-fill bound (`solver.pooled`): exact when the bottleneck shares supply,
a valid bound always, and the fill rows' best weights when tier 3 cannot prove the bound.

These tiny rounds are solved whole, where tier 2 takes its max-z LP itself
(`solver.tiers.WHOLE_TIER_2`); the pooled path, which rounds solved by column generation take,
is tested here with that switch off.  `tests/solver/test_max_fill.py` tests the max-z LP."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import solver.columns
import solver.pooled
import solver.tiers
from solver.backends import LinearModel, Outcome
from solver.classes import enumerate_pairs
from solver.eligibility import Context
from solver.model import RoundModel
from solver.pooled import PooledBound, bottleneck_guess, weighted_level
from solver.schema import Scenario
from solver.tier_levels import farkas_bound, level_left
from tests.solver.factories import deposit, parse, scenario, withdrawal
from tests.solver.strategies import scenarios


def solved_round(raw: dict[str, object], *, whole: bool) -> tuple[RoundModel, list[int], list[str]]:
    """The round's model, tiers 1-3's values and each tier's method; tier 2 by its max-z LP
    (``whole``, as these tiny rounds take it) or by the pooled bound (as a round solved by
    column generation does)."""
    s = parse(raw)
    ctx = Context.of(s)
    model = RoundModel(ctx, enumerate_pairs(ctx, s))
    now = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solver.tiers, "WHOLE_TIER_2", whole)
        sol = model.solve(deadline=now + 60, started=now)
    assert sol.optimal
    values = [model.tier_value(t, sol.x) for t in (1, 2, 3)]
    return model, values, [t.method for t in sol.tiers]


def tier_methods(raw: dict[str, object]) -> tuple[list[int], list[str]]:
    """Tiers 1-3's values and each tier's method, tier 2 by the pooled bound."""
    _, values, methods = solved_round(raw, whole=False)
    return values, methods


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        # tier 1's ratios on the hard L round (seed 0): 426.8 -> 498.7 is the largest jump
        (
            [516.7, 426.8, 418.2, 785.3, 409.4, 751.0, 621.3]
            + [553.6, 775.6, 667.2, 775.4, 498.7, 413.1, 530.3],
            [1, 2, 4, 12],
        ),
        ([1000.0, 0.0], [1]),  # a jump from 0 counts
        ([700.0], [0]),
        ([500.0, 500.0, 500.0], [0]),  # no jump: the first
    ],
)
def test_bottleneck_guess_takes_the_lowest_ratios_up_to_the_largest_jump(
    ratios: list[float], expected: list[int]
) -> None:
    assert bottleneck_guess(np.array(ratios)).tolist() == expected


def test_rivals_for_one_deposit_are_pooled_and_proven() -> None:
    # 10 workers, BBB and CCC ask 10 each: tier 1's vertex may give one all; pooled gives 500
    raw = scenario(
        [deposit(count=10)],
        [withdrawal(count=10), withdrawal("w2", country="CCC", count=10)],
    )
    values, methods = tier_methods(raw)
    assert values[:2] == [10, 500]
    assert methods[1] == "pooled"


# BBB and CCC rival for 10 workers (tier 1's vertex gives one all of them), DDD can reach
# only 4 of 10 from its own deposit: z* = 400 (DDD).  The guesses from tier 1's ratios (0, 400
# and 1000) pool {CCC}, then all three, then {CCC, DDD}: 466 at best.
LOOSE = scenario(
    [deposit(count=10), deposit("d3", cadre="2212", count=4)],
    [
        withdrawal(count=10),
        withdrawal("w2", country="CCC", count=10),
        withdrawal("w3", country="DDD", cadre="2212", count=10),
    ],
)


def test_a_loose_pooled_bound_is_sharpened_by_one_weighted_lp() -> None:
    # the pooled LPs' fill vectors mix to far less than 466: one weighted LP finds 400
    values, methods = tier_methods(LOOSE)
    assert values[:2] == [14, 400]
    assert methods[1] == "pooled"


def test_a_loose_pooled_bound_falls_back_to_the_fill_duals(monkeypatch: pytest.MonkeyPatch) -> None:
    # not sharpened, 466 is a level tier 3 cannot reach: tier 2 is proven at the level the
    # fill rows' best weights allow
    monkeypatch.setattr(solver.pooled, "LOOSE_GAP", np.inf)
    values, methods = tier_methods(LOOSE)
    assert values[:2] == [14, 400]
    assert methods[1] == "fill-duals"


@pytest.mark.parametrize(
    ("optimum", "weights", "requested", "level"),
    [
        # one destination of 3 positions reachable by 1 worker: 333 per mille, not 334
        (1000 / 3, [1 / 3], [3], 333),
        # 3 workers for two destinations of 3: z* = 500 as an LP (1.5 each), but 500 needs
        # ceil(1.5) = 2 workers each; the integer optimum fills 2 and 1, 333
        (500.0, [1 / 6, 1 / 6], [3, 3], 333),
        # the optimum a hair below the need still reaches it (GLOP's tolerances)
        (1000.0 - 1e-7, [1 / 4], [4], 1000),
    ],
)
def test_weighted_level_carries_the_rounding_to_whole_workers(
    optimum: float, weights: list[float], requested: list[int], level: int
) -> None:
    assert weighted_level(optimum, np.array(weights), np.array(requested)) == level


def loose_pooled_bound(*_: Any, **__: Any) -> PooledBound:
    """A valid but useless pooled bound: tier 3 proves levels out, then the fill duals run."""
    return PooledBound(Outcome.OPTIMAL, 1000.0, None)


def claimed_values(
    raw: dict[str, Any], *, full_below: int | None, useless: bool = True, whole: bool = False
) -> list[list[int]]:
    """Tier values claimed by the LP path with a useless pooled bound (or, ``useless`` False,
    the pooled bound sharpened whatever its gap; ``whole``, tier 2's max-z LP, as a round
    solved whole takes it), and by the plain MIP; ``full_below`` 0 sends every LP through
    column generation (its Farkas duals included)."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    pairs = enumerate_pairs(ctx, s)
    values = []
    for lp_first in (True, False):
        model = RoundModel(ctx, pairs, lp_first=lp_first)
        now = time.monotonic()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(solver.tiers, "WHOLE_TIER_2", whole)
            if useless and not whole:
                mp.setattr(solver.tiers, "pooled_fill_bound", loose_pooled_bound)
            elif not whole:
                mp.setattr(solver.pooled, "LOOSE_GAP", -1.0)
            if full_below is not None:
                mp.setattr(solver.columns, "FULL_BELOW", full_below)
            sol = model.solve(deadline=now + 60, started=now)
        assert sol.optimal
        claimed = [t.value for t in sol.tiers[:3]]
        assert claimed == [model.tier_value(t, sol.x) for t in (1, 2, 3)]
        values.append(claimed)
    return values


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_tier_2_by_the_fill_duals_equals_the_plain_mip(raw: dict[str, Any]) -> None:
    lp_path, mip = claimed_values(raw, full_below=None)
    assert lp_path == mip


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_levels_proven_out_by_a_farkas_certificate_equal_the_plain_mip(raw: dict[str, Any]) -> None:
    """Column generation everywhere: a level tier 3 proves out returns the feasibility LP's
    duals, and the levels below that they prove out too are skipped (`level_left`)."""
    lp_path, mip = claimed_values(raw, full_below=0)
    assert lp_path == mip


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_levels_proven_out_by_an_early_feasibility_lp_equal_the_plain_mip(
    raw: dict[str, Any],
) -> None:
    """As above, every elastic master going to the feasibility LP after its first solve
    (`solver.columns.FEASIBILITY_FIRST_ABOVE` at 0, as every LP of a round above it): levels
    proven out by it, and levels that hold solved on from its basis."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solver.columns, "FEASIBILITY_FIRST_ABOVE", 0)
        lp_path, mip = claimed_values(raw, full_below=0)
    assert lp_path == mip


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_a_sharpened_pooled_bound_equals_the_plain_mip(raw: dict[str, Any]) -> None:
    lp_path, mip = claimed_values(raw, full_below=None, useless=False)
    assert lp_path == mip


def test_a_farkas_certificate_proves_out_the_levels_it_covers() -> None:
    # x0 + x1 >= need with 0 <= x <= 1: y = -1 on the row proves every need above 2 out
    lp = LinearModel(
        col_lo=np.zeros(2),
        col_hi=np.ones(2),
        integer=np.zeros(2, dtype=bool),
        matrix=sp.csr_matrix(np.ones((1, 2))),
        row_lo=np.array([3.0]),
        row_hi=np.array([np.inf]),
    )
    y = np.array([-1.0])
    assert farkas_bound(lp, y, np.array([3.0]), lp.row_hi) == -1.0
    assert farkas_bound(lp, y, np.array([2.0]), lp.row_hi) == 0.0
    assert farkas_bound(lp, -y, np.array([3.0]), lp.row_hi) == 0.0  # the wrong sign: no proof
    needs = {k: np.array([float(k)]) for k in range(6)}
    assert level_left(lp, y, np.array([0]), needs.__getitem__, 5) == 2
    assert level_left(lp, -y, np.array([0]), needs.__getitem__, 5) == 2  # either sign
