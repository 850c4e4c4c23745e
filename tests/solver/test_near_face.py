"""A tier kept by its reduced costs (`solver.near_face`): exactly the integer points at its value.

Random small integer LPs (0/1 rows with integer bounds, integer costs on a step) are solved,
kept at a value V at or below the LP optimum, and every integer point of their box enumerated:
the restricted model must hold each integer point of ``cost . x >= V`` and no other.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, Outcome, cost_scale, solve_lp
from solver.lattice import integer_cap, objective_step
from solver.near_face import keep_near_face
from tests.solver.test_lattice import OddCycle


def random_model(
    rng: np.random.Generator, *, edges: bool = False
) -> tuple[LinearModel, np.ndarray]:
    """Up to 6 integer columns in [0, 1-2], up to 5 rows of 0/1 coefficients, a cost.  With
    ``edges``, binary columns and rows of two columns at most 1 (a stable set LP, whose
    vertices are often half-integral)."""
    n = int(rng.integers(2, 7))
    if edges:
        n = int(rng.integers(3, 7))
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.6]
        m = max(1, len(pairs))
        dense = np.zeros((m, n))
        for r, (i, j) in enumerate(pairs or [(0, 1)]):
            dense[r, [i, j]] = 1.0
        hi = np.ones(n)
        row_hi = np.ones(m)
        row_lo = np.full(m, -np.inf)
    else:
        m = int(rng.integers(1, 6))
        dense = (rng.random((m, n)) < 0.5).astype(float)
        dense[rng.integers(0, m, size=n), np.arange(n)] = 1.0  # every column in a row
        hi = rng.integers(1, 3, size=n).astype(float)
        row_hi = rng.integers(1, 4, size=m).astype(float)
        row_lo = np.where(rng.random(m) < 0.3, np.minimum(1.0, row_hi), -np.inf)
    step = float(rng.choice([1, 250]))
    cost = step * rng.integers(-1, 5, size=n).astype(float)
    lp = LinearModel(
        col_lo=np.zeros(n),
        col_hi=hi,
        integer=np.ones(n, dtype=bool),
        matrix=sp.csr_matrix(dense),
        row_lo=row_lo,
        row_hi=row_hi,
    )
    return lp, cost


def integer_points(lp: LinearModel) -> list[np.ndarray]:
    """Every integer point of the box that satisfies the rows (dense rows included)."""
    ranges = [
        range(int(np.ceil(lo - 1e-9)), int(np.floor(hi + 1e-9)) + 1)
        for lo, hi in zip(lp.col_lo, lp.col_hi, strict=True)
    ]
    pts = (np.array(p, dtype=float) for p in itertools.product(*ranges))
    return [p for p in pts if lp.rows_hold(p)]


def kept_set(lp: LinearModel) -> set[tuple[float, ...]]:
    return {tuple(p) for p in integer_points(lp)}


def test_the_integer_points_at_a_value_are_exactly_those_kept() -> None:
    rng = np.random.default_rng(7)
    checked = fixed = budgets = 0
    for k in range(400):
        lp, cost = random_model(rng, edges=k % 2 == 1)
        sol = solve_lp(lp, cost, maximize=True, time_limit=10)
        if sol.outcome == Outcome.INFEASIBLE:  # rows' lower bounds no point meets
            continue
        assert sol.outcome == Outcome.OPTIMAL
        assert sol.objective is not None
        every = integer_points(lp)
        step = objective_step(cost)
        cap = integer_cap(sol.objective, step)
        for value in (cap, cap - step):
            kept = lp.with_own_bounds()
            assert keep_near_face(kept, sol, cost_scale(cost), float(value))
            want = {tuple(p) for p in every if cost @ p >= value - 1e-9}
            assert kept_set(kept) == want, (value, sol.objective)
            checked += 1
            fixed += int((kept.col_lo == kept.col_hi).sum() > (lp.col_lo == lp.col_hi).sum())
            budgets += len(kept.extra)
    # the cases that matter occur: columns fixed, and budget rows
    assert checked > 600
    assert fixed > 100
    assert budgets > 100


def test_the_odd_cycle_at_its_cap_keeps_its_three_single_points() -> None:
    """x0 + x1, x1 + x2, x0 + x2 <= 1, each worth 250: the LP's 375 at (1/2, 1/2, 1/2) has
    duals 125 on every row, at most the gap 125, so nothing is fixed and one budget row (the
    rows' duals times their terms) keeps the value 250."""
    cycle = OddCycle()
    lp, cost = cycle.lp, cycle.objective(3)
    sol = solve_lp(lp, cost, maximize=True, time_limit=10)
    assert sol.objective == pytest.approx(375.0)
    assert keep_near_face(lp, sol, cost_scale(cost), 250.0)
    assert len(lp.extra) == 1
    assert kept_set(lp) == {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)}


def test_duals_that_do_not_fit_an_optimum_leave_the_model_untouched() -> None:
    lp, cost = random_model(np.random.default_rng(3))
    sol = solve_lp(lp, cost, maximize=True, time_limit=10)
    assert sol.reduced_cost is not None
    assert sol.x is not None
    wrong = LpSolution(
        Outcome.OPTIMAL,
        x=sol.x,
        row_dual=sol.row_dual,
        reduced_cost=-sol.reduced_cost - 1.0,  # every column priced as if it should rise
        objective=sol.objective,
    )
    before = lp.with_own_bounds()
    assert not keep_near_face(lp, wrong, cost_scale(cost), float(sol.objective or 0.0))
    assert np.array_equal(lp.col_lo, before.col_lo)
    assert np.array_equal(lp.col_hi, before.col_hi)
    assert lp.extra == []
    assert not keep_near_face(lp, LpSolution(Outcome.OPTIMAL), cost_scale(cost), 0.0)


def test_a_hard_round_off_the_lattice_is_proven_as_with_value_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hard, 4,000 postings, seed 15: tier 1's LP optimum is 59,134.5 and tier 3's 80,403,750.06,
    both above what any integer point reaches.  Kept by their reduced costs, the round reaches
    the tiers it reaches with each kept by a dense value row, and its matches check."""
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver import check_solution, solve
    from solver.schema import Scenario

    raw = generate_hard_scenario(4000, seed=15)
    kept: list[tuple[float, float]] = []

    def spied(lp: LinearModel, sol: LpSolution, scale: float, value: float) -> bool:
        assert sol.objective is not None
        kept.append((sol.objective, value))
        return keep_near_face(lp, sol, scale, value)

    monkeypatch.setattr(tiers, "keep_near_face", spied)
    near = solve(raw)
    assert near.status == "OPTIMAL"
    assert [round(b, 1) for b, _ in kept] == [59134.5, 80403750.1]
    assert [v for _, v in kept] == [59134.0, 80403750.0]
    assert check_solution(Scenario.model_validate(raw), near) == []
    monkeypatch.setattr(tiers, "keep_near_face", lambda *args: False)
    dense = solve(raw)
    assert dense.status == "OPTIMAL"
    assert near.objective == dense.objective


def test_rounding_near_the_face_reaches_the_cap_or_returns_nothing() -> None:
    """`round_near_face` on random small LPs: whatever it returns is integral, feasible and
    worth the cap; where some integer point is worth the cap it finds one nearly always."""
    from solver.rounding import round_near_face

    rng = np.random.default_rng(11)
    reachable = found = 0
    for k in range(300):
        lp, cost = random_model(rng, edges=k % 2 == 1)
        sol = solve_lp(lp, cost, maximize=True, time_limit=10)
        if sol.outcome != Outcome.OPTIMAL:
            continue
        assert sol.objective is not None
        cap = integer_cap(sol.objective, objective_step(cost))
        bounds = (lp.col_lo.copy(), lp.col_hi.copy(), len(lp.extra))
        out = round_near_face(lp, sol, cost, lp.ncols, cap=float(cap), time_limit=10)
        assert np.array_equal(lp.col_lo, bounds[0])  # the caller's model untouched
        assert np.array_equal(lp.col_hi, bounds[1])
        assert len(lp.extra) == bounds[2]
        if any(cost @ p >= cap - 1e-9 for p in integer_points(lp)):
            reachable += 1
            found += out is not None
        if out is not None:
            assert np.array_equal(out, np.rint(out))
            assert lp.holds(out)
            assert cost @ out >= cap - 1e-9
    assert reachable > 150
    assert found >= 0.9 * reachable


def test_a_vertex_that_will_not_round_to_the_cap_is_proven_near_its_face(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hard 4,000-posting round of seed 15 with the rounding on the face made to fail: its
    tiers off the lattice are proven by a vertex near the face, without the reduced costs'
    MIP, at the same values."""
    import solver.tier_mips as tier_mips
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver import solve

    raw = generate_hard_scenario(4000, seed=15)
    reference = solve(raw)
    real = tier_mips.round_on_face

    def failing_at_the_cap(*args: object, **kwargs: object) -> object:
        if kwargs.get("target") is not None:
            return None  # rounded_to_cap's first try
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def no_mip(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reduced costs' MIP ran")

    monkeypatch.setattr(tier_mips, "round_on_face", failing_at_the_cap)
    monkeypatch.setattr(tiers, "certified_mip", no_mip)
    near = solve(raw)
    assert near.status == "OPTIMAL"
    assert near.objective == reference.objective


SEED_56 = {"priority_fill": 324680, "min_fill_permille": 560, "benefit_usd": 427768250}
"""Hard L seed 56's optimum, the same in every session since the twentieth."""


def proven_without_the_near_face(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hard L seed 56 solved with the near face above its size (as on hard XL) and the reduced
    costs' MIP never run: proven at its optimum."""
    import solver.tier_mips as tier_mips
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver import solve

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("ran")

    monkeypatch.setattr(tier_mips, "NEAR_FACE_MAX_PAIRS", 0)
    monkeypatch.setattr(tier_mips, "round_near_face", never)
    monkeypatch.setattr(tiers, "certified_mip", never)
    out = solve(generate_hard_scenario(20_000, seed=56))
    assert out.status == "OPTIMAL"
    assert out.objective is not None
    assert out.objective.model_dump() == SEED_56


def test_above_the_near_faces_size_the_masters_columns_round_the_vertex_to_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hard L seed 56's tier 3, off the lattice, will not round to the cap from the vertex's
    support, and with the last master's columns free to move it does
    (docs/benchmarks-solver.md, thirty-fifth session)."""
    import solver.tier_mips as tier_mips

    real = tier_mips.round_on_face
    rounded: list[tuple[bool, bool]] = []

    def recorded(*args: object, **kwargs: object) -> object:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        if kwargs.get("target") is not None:
            rounded.append((kwargs.get("movable") is not None, out is not None))
        return out

    monkeypatch.setattr(tier_mips, "round_on_face", recorded)
    proven_without_the_near_face(monkeypatch)
    assert rounded == [(False, False), (True, True)]


def test_a_vertex_no_rounding_takes_to_the_cap_is_proven_by_its_masters_mip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hard L seed 56 with no rounding to the cap either (as hard XL seed 65's tier 3): the
    MIP over the last master's columns reaches the cap."""
    import solver.tier_mips as tier_mips
    import solver.tiers as tiers

    real = tier_mips.round_on_face
    real_master = tiers.master_mip
    proven: list[bool] = []

    def never_to_the_cap(*args: object, **kwargs: object) -> object:
        if kwargs.get("target") is not None:
            return None
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def recorded(*args: Any, **kwargs: Any) -> Any:
        out = real_master(*args, **kwargs)
        proven.append(out is not None)
        return out

    monkeypatch.setattr(tier_mips, "round_on_face", never_to_the_cap)
    monkeypatch.setattr(tiers, "master_mip", recorded)
    proven_without_the_near_face(monkeypatch)
    assert proven == [True]
