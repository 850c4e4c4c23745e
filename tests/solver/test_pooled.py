"""Tier 2 by the pooled-fill bound (`solver.pooled`): exact when the bottleneck shares supply,
a valid bound always, and the max-z LP when tier 3 cannot prove the bound."""

from __future__ import annotations

import time

import numpy as np
import pytest

from solver.classes import enumerate_pairs
from solver.eligibility import Context
from solver.model import RoundModel
from solver.pooled import bottleneck_guess
from tests.solver.factories import deposit, parse, scenario, withdrawal


def tier_methods(raw: dict[str, object]) -> tuple[list[int], list[str]]:
    s = parse(raw)
    ctx = Context.of(s)
    model = RoundModel(ctx, enumerate_pairs(ctx, s))
    now = time.monotonic()
    sol = model.solve(deadline=now + 60, started=now)
    assert sol.optimal
    return [model.tier_value(t, sol.x) for t in (1, 2, 3)], [t.method for t in sol.tiers]


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


def test_a_loose_pooled_bound_falls_back_to_the_max_z_lp() -> None:
    # BBB and CCC rival for 10 workers (tier 1's vertex gives one all of them), DDD can reach
    # only 4 of 10 from its own deposit: z* = 400 (DDD).  The guesses from tier 1's ratios
    # (0, 400 and 1000) pool {CCC}, then all three, then {CCC, DDD}: 466 at best, which tier 3
    # cannot reach, so tier 2 is proven by the max-z LP.
    raw = scenario(
        [deposit(count=10), deposit("d3", cadre="2212", count=4)],
        [
            withdrawal(count=10),
            withdrawal("w2", country="CCC", count=10),
            withdrawal("w3", country="DDD", cadre="2212", count=10),
        ],
    )
    values, methods = tier_methods(raw)
    assert values[:2] == [14, 400]
    assert methods[1] == "lp"
