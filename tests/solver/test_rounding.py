"""An integer point on a tier's optimal face from a fractional vertex (`solver.rounding`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import rounding
from solver.backends import LinearModel, LpSolution, MipSolution, Outcome
from solver.rounding import round_on_face, touching


def model(rows: list[list[float]], hi: list[float], col_hi: list[float]) -> LinearModel:
    n = len(col_hi)
    return LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.array(col_hi, dtype=float),
        integer=np.ones(n, dtype=bool),
        matrix=sp.csr_matrix(np.array(rows, dtype=float)),
        row_lo=np.full(len(rows), -np.inf),
        row_hi=np.array(hi, dtype=float),
    )


def vertex(x: list[float], objective: float) -> LpSolution:
    return LpSolution(Outcome.OPTIMAL, x=np.array(x), objective=objective)


@settings(deadline=None, max_examples=100)
@given(st.integers(0, 2**32 - 1))
def test_the_columns_touching_marked_rows_are_read_from_their_own_entries(seed: int) -> None:
    """`touching` agrees with the matrix's marked rows sliced out, column by column."""
    rng = np.random.default_rng(seed)
    matrix = sp.random(6, 9, density=0.3, format="csc", random_state=rng)
    rows = rng.random(6) < 0.5
    cols = np.sort(rng.choice(9, size=int(rng.integers(0, 10)), replace=False)).astype(np.int64)
    want = np.diff(matrix[np.flatnonzero(rows)].indptr)[cols] > 0
    assert np.array_equal(touching(matrix, cols, rows), want)


def test_a_half_cycle_of_a_transport_lp_is_rounded_to_its_optimum() -> None:
    # deposits d0, d1 and withdrawals w0, w1 of one worker each, every pair worth 1, and a
    # quota on (d0, w0) + (d1, w1): the vertex at 1/2 everywhere is worth 2, as (0, 1, 1, 0) is
    lp = model(
        [
            [1, 1, 0, 0],  # d0
            [0, 0, 1, 1],  # d1
            [1, 0, 1, 0],  # w0
            [0, 1, 0, 1],  # w1
            [1, 0, 0, 1],  # quota
        ],
        [1, 1, 1, 1, 1],
        [1, 1, 1, 1],
    )
    cost = np.ones(4)
    out = round_on_face(lp, vertex([0.5] * 4, 2.0), cost, 4, time_limit=10)
    assert out is not None
    assert out.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_point_at_the_target_found_before_the_limit_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The small MIP stopped by its limit with a point that reaches the target (the most any
    integer point reaches) gives that point, as a proven MIP would; one below the target, or
    no point, gives none."""
    lp = model(
        [[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 1]],
        [1, 1, 1, 1, 1],
        [1, 1, 1, 1],
    )
    real = rounding.solve_mip

    def stopped(point: list[float] | None) -> None:
        def at_limit(*args: Any, **kwargs: Any) -> MipSolution:
            assert real(*args, **kwargs).x.size == 4  # the small MIP frees every column here
            if point is None:
                return MipSolution(Outcome.LIMIT)
            return MipSolution(Outcome.FEASIBLE, x=np.array(point))

        monkeypatch.setattr(rounding, "solve_mip", at_limit)

    stopped([0.0, 1.0, 1.0, 0.0])  # the optimum, HiGHS' own bound not yet proven
    out = round_on_face(lp, vertex([0.5] * 4, 2.0), np.ones(4), 4, time_limit=10)
    assert out is not None
    assert out.tolist() == [0.0, 1.0, 1.0, 0.0]
    stopped([0.0, 1.0, 0.0, 0.0])  # below the target
    assert round_on_face(lp, vertex([0.5] * 4, 2.0), np.ones(4), 4, time_limit=10) is None
    stopped(None)
    assert round_on_face(lp, vertex([0.5] * 4, 2.0), np.ones(4), 4, time_limit=10) is None


def test_an_odd_cycle_is_rounded_down_to_the_floor_of_the_bound() -> None:
    # x0 + x1, x1 + x2, x0 + x2 <= 1: the LP's 1.5 at (1/2, 1/2, 1/2), the integers' 1
    lp = model([[1, 1, 0], [0, 1, 1], [1, 0, 1]], [1, 1, 1], [1, 1, 1])
    out = round_on_face(lp, vertex([0.5] * 3, 1.5), np.ones(3), 3, time_limit=10)
    assert out is not None
    assert out.sum() == 1.0
    assert lp.rows_hold(out)


def test_no_point_is_returned_when_no_integer_reaches_the_bound() -> None:
    # 2 x0 <= 1 worth 2 per unit: the LP's 1.0 at x0 = 1/2, the integers' 0; and the integral
    # column x1 is kept where the vertex has it
    lp = model([[2, 0], [0, 1]], [1, 1], [1, 1])
    assert (
        round_on_face(lp, vertex([0.5, 1.0], 2.0), np.array([2.0, 1.0]), 2, time_limit=10) is None
    )


def test_columns_at_zero_the_caller_names_may_move_to_reach_the_bound() -> None:
    # x0 + x1 + x2 <= 1, 2 x0 <= 1, 2 x1 <= 1, every column worth 2: the vertex (1/2, 1/2, 0)
    # is worth 2, and only x2, at 0 there, reaches it as an integer
    lp = model([[1, 1, 1], [2, 0, 0], [0, 2, 0]], [1, 1, 1], [1, 1, 1])
    half = vertex([0.5, 0.5, 0.0], 2.0)
    cost = np.full(3, 2.0)
    assert round_on_face(lp, half, cost, 3, time_limit=10) is None
    out = round_on_face(lp, half, cost, 3, time_limit=10, movable=np.array([2]))
    assert out is not None
    assert out.tolist() == [0.0, 0.0, 1.0]


def test_an_integral_vertex_is_left_to_the_caller() -> None:
    lp = model([[1, 1]], [1], [1, 1])
    assert round_on_face(lp, vertex([1.0, 0.0], 1.0), np.ones(2), 2, time_limit=10) is None


def test_the_tier_engine_proves_a_tier_by_rounding_a_fractional_vertex() -> None:
    """Tier 1's vertex replaced by the midpoint of its two optimal matchings (optimal, every
    pair at 1/2): the engine rounds it on the face and proves the tier without a MIP."""
    import dataclasses
    import time

    import pytest

    import solver.tiers as tiers
    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.model import RoundModel
    from tests.solver.factories import deposit, parse, scenario, withdrawal

    s = parse(
        scenario(
            [deposit(count=1), deposit("d2", count=1, available_to="2027-11")],
            [withdrawal(count=1), withdrawal("w2", country="CCC", count=1)],
        )
    )
    ctx = Context.of(s)
    model = RoundModel(ctx, enumerate_pairs(ctx, s))
    assert model.n == 4
    real = tiers.solve_lp_columns
    calls = [0]

    def midpoint_first(*args: object, **kwargs: object) -> LpSolution:
        sol = real(*args, **kwargs)  # type: ignore[arg-type]
        calls[0] += 1
        if calls[0] > 1 or sol.x is None:
            return sol
        x = sol.x.copy()
        x[:4] = 0.5
        return dataclasses.replace(sol, x=x)

    now = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tiers, "solve_lp_columns", midpoint_first)
        sol = model.solve(deadline=now + 60, started=now)
    assert sol.optimal
    assert sol.tiers[0].method == "lp+round"
    assert sol.tiers[0].value == 2
    assert sorted(sol.x.tolist()) == [0, 0, 1, 1]
