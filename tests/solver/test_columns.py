"""Column generation's pieces (`solver.columns`, `solver.master`) against their definitions."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import columns
from solver.backends import LinearModel, Outcome, solve_lp
from solver.columns import best_of_each_row, generate_columns, solve_lp_columns
from solver.master import GlopMaster, KeptMaster
from solver.schema import Scenario


def best_by_sorting(
    csc: sp.csc_matrix, cols: np.ndarray, score: np.ndarray, k: int, rows: int | None = None
) -> set[int]:
    """The definition: in each of the first ``rows`` rows, its columns of ``cols`` with a
    finite score, by score down then index up; the k first."""
    out: set[int] = set()
    for r in range(csc.shape[0] if rows is None else rows):
        members = [int(j) for j in set(cols.tolist()) if csc[r, j] != 0 and score[j] > -np.inf]
        members.sort(key=lambda j: (-score[j], j))
        out.update(members[:k])
    return out


@settings(deadline=None, max_examples=300)
@given(
    st.integers(1, 6),
    st.integers(1, 10),
    st.integers(0, 2**32 - 1),
    st.integers(1, 3),
    st.booleans(),
)
def test_best_of_each_row_is_the_k_best_of_every_row(
    m: int, n: int, seed: int, k: int, some_rows: bool
) -> None:
    """Ties, scores of -inf, columns in any order or twice, and only the first rows."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((m, n)) < 0.5).astype(float)
    csc = sp.csc_matrix(dense)
    score = rng.integers(-2, 3, n).astype(float)  # ties on purpose
    score[rng.random(n) < 0.15] = -np.inf  # never taken
    cols = rng.permutation(np.flatnonzero(rng.random(n) < 0.7)).astype(np.int64)
    cols = np.concatenate([cols, cols[: int(rng.integers(0, cols.size + 1))]])
    rows = int(rng.integers(0, m + 1)) if some_rows else None
    got = best_of_each_row(csc, cols, score, k, rows=rows)
    assert set(got.tolist()) == best_by_sorting(csc, cols, score, k, rows)
    assert got.tolist() == sorted(set(got.tolist()))


def test_best_of_each_row_reads_a_matrix_with_a_row_entry_twice() -> None:
    """A column holding a row's entry twice (not summed yet) takes one place in that row."""
    csc = sp.csc_matrix((np.ones(4), np.array([0, 0, 0, 0]), np.array([0, 2, 3, 4])), shape=(1, 3))
    assert not csc.has_canonical_format
    got = best_of_each_row(csc, np.arange(3), np.array([5.0, 4.0, 3.0]), 2)
    assert got.tolist() == [0, 1]


def transport_lp() -> LinearModel:
    """Two sources (2 and 3 units) and two sinks (up to 4 and 1), every arc of capacity 3."""
    matrix = sp.csr_matrix(
        np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float)
    )
    return LinearModel(
        col_lo=np.zeros(4),
        col_hi=np.full(4, 3.0),
        integer=np.zeros(4, dtype=bool),
        matrix=matrix,
        row_lo=np.full(4, -np.inf),
        row_hi=np.array([2.0, 3.0, 4.0, 1.0]),
    )


def test_a_retargeted_master_solves_the_new_lp_as_a_fresh_one_would() -> None:
    lp = transport_lp()
    csc = lp.matrix.tocsc()
    first = np.arange(4, dtype=np.int64)
    master = GlopMaster(csc, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi, np.ones(4), first)
    assert master.solve(10).objective == 5.0
    cost = np.array([3.0, 1.0, 2.0, 5.0])
    lp.col_hi[3] = 0.5  # the caller's arrays move on; the master holds its own copies
    lp.row_hi[2] = 2.0
    master.retarget(csc, cost, lp.col_lo, lp.col_hi, lp.row_lo, lp.row_hi)
    again = master.solve(10)
    fresh = solve_lp(lp, cost, maximize=True, time_limit=10)
    assert again.outcome == Outcome.OPTIMAL
    assert fresh.objective is not None
    assert again.objective is not None
    assert abs(again.objective - fresh.objective) < 1e-9
    is_free = lp.col_hi > 0
    sol = generate_columns(master, lp, cost, csc, is_free, 1e-9, time.monotonic() + 10)
    assert sol.objective is not None
    assert abs(sol.objective - fresh.objective) < 1e-9


def test_a_kept_master_serves_the_next_lp_however_few_columns_it_leaves_free(
    monkeypatch: Any,
) -> None:
    """A block of tier 1's face falls below `FULL_BELOW`: its kept master goes on from its
    basis (the pooled LPs took 1.3-1.5 s each on hard L when such blocks were solved afresh)."""
    lp = transport_lp()
    monkeypatch.setattr(columns, "FULL_BELOW", 3)  # 4 free columns: a persistent master
    keep = KeptMaster()
    solve_lp_columns(lp, np.ones(4), time_limit=10, keep=keep, split=False)
    master = keep.master
    assert master is not None
    retargeted: list[int] = []
    real = master.retarget

    def counted(*args: Any) -> None:
        retargeted.append(1)
        real(*args)

    monkeypatch.setattr(master, "retarget", counted)
    lp.col_hi[[0, 3]] = 0.0  # 2 free columns, fewer than FULL_BELOW
    cost = np.array([3.0, 1.0, 2.0, 5.0])
    again = solve_lp_columns(lp, cost, time_limit=10, keep=keep, split=False)
    fresh = solve_lp(lp, cost, maximize=True, time_limit=10)
    assert retargeted == [1]
    assert keep.master is master
    assert again.objective is not None
    assert fresh.objective is not None
    assert abs(again.objective - fresh.objective) < 1e-9


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1))
def test_explanations_bind_each_pair_as_the_per_pair_rule_does(seed: int) -> None:
    """`Binding` (numpy) against the rule it vectorises: per counterpart, its capacity when
    used up, else the first tight quota, then depletion cap, then pair minimum (model order)."""
    from solver.constraints import Group
    from solver.explain import CONSTRAINT_CODES, Binding

    rng = np.random.default_rng(seed)
    npairs, nd, nw = int(rng.integers(0, 12)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dep = rng.integers(0, nd, npairs).astype(np.int64)
    wd = rng.integers(0, nw, npairs).astype(np.int64)
    x = rng.integers(0, 3, npairs).astype(np.int64)
    codes = CONSTRAINT_CODES[1:]
    groups = [
        Group(
            code=str(rng.choice(codes)),
            key=("AAA", "BBB", "2221", "a")[: 2 + int(rng.integers(0, 3))],
            pairs=np.flatnonzero(rng.random(npairs) < 0.4).astype(np.int64),
            cap=int(rng.integers(0, 4)),
        )
        for _ in range(int(rng.integers(0, 5)))
    ]
    dcap = rng.integers(1, 4, nd).astype(np.int64)
    dused = np.bincount(dep, weights=x, minlength=nd).astype(np.int64)
    got = Binding.of(groups, x, npairs).per_posting(wd, dep, dcap, dused, nw)
    for j in range(nw):
        totals: dict[str, int] = {}
        first_group: dict[str, int] = {}
        for p in np.flatnonzero(wd == j).tolist():
            code, gi = "CAPACITY_USED", -1
            if dused[dep[p]] < dcap[dep[p]]:
                tight = [
                    (codes.index(g.code), i)
                    for i, g in enumerate(groups)
                    if p in g.pairs.tolist()
                    and (g.code == "PAIR_MINIMUM_BENEFIT" or int(x[g.pairs].sum()) >= g.cap)
                ]
                if tight:
                    k, gi = min(tight)
                    code = codes[k]
            totals[code] = totals.get(code, 0) + int(dcap[dep[p]])
            first_group.setdefault(code, gi)
        for k, code in enumerate(CONSTRAINT_CODES):
            assert bool(got.present[j, k]) == (code in totals)
            if code in totals:
                assert int(got.totals[j, k]) == totals[code]
                assert int(got.group[j, k]) == first_group[code]


def test_tier_3_and_4_first_masters_hold_a_greedy_s_columns(monkeypatch: Any) -> None:
    """Column generation on a small hard round: the columns `RoundModel.likely_columns` gives
    for tiers 3 and 4 go to the next LP's first master; without them the round is the same."""
    import solver.columns as columns
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver import solve
    from solver.model import RoundModel

    raw = generate_hard_scenario(300, seed=1)
    monkeypatch.setattr(columns, "FULL_BELOW", 0)
    monkeypatch.setattr(tiers, "GREEDY_SEEDS", False)
    plain = solve(Scenario.model_validate(raw))
    monkeypatch.setattr(tiers, "GREEDY_SEEDS", True)
    seeds: list[np.ndarray] = []
    firsts: list[np.ndarray | None] = []
    likely = RoundModel.likely_columns
    lp_columns = tiers.solve_lp_columns

    def recorded(self: RoundModel, cost: np.ndarray) -> np.ndarray:
        out = likely(self, cost)
        seeds.append(out)
        return out

    def recorded_lp(*args: Any, **kwargs: Any) -> Any:
        if len(firsts) < len(seeds):
            firsts.append(kwargs["always"])
        return lp_columns(*args, **kwargs)

    monkeypatch.setattr(RoundModel, "likely_columns", recorded)
    monkeypatch.setattr(tiers, "solve_lp_columns", recorded_lp)
    seeded = solve(Scenario.model_validate(raw))
    assert seeded.status == plain.status == "OPTIMAL"
    assert seeded.objective == plain.objective
    assert len(seeds) == len(firsts) == 2  # tier 3's first LP and tier 4's
    for cols, first in zip(seeds, firsts, strict=True):
        assert cols.size > 0
        assert first is not None
        assert np.isin(cols, first).all()


def packing_lp(seed: int, m: int, n: int) -> tuple[LinearModel, np.ndarray]:
    """A random LP ``max cost . x``, ``A x <= b``, ``0 <= x <= u`` with 0/1 entries."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((m, n)) < 0.3).astype(float)
    dense[rng.integers(0, m, n), np.arange(n)] = 1.0  # no empty column
    lp = LinearModel(
        col_lo=np.zeros(n),
        col_hi=rng.integers(1, 4, n).astype(float),
        integer=np.zeros(n, dtype=bool),
        matrix=sp.csr_matrix(dense),
        row_lo=np.full(m, -np.inf),
        row_hi=rng.integers(1, 8, m).astype(float),
    )
    return lp, rng.integers(0, 30, n).astype(float)


def test_retired_columns_leave_the_master_which_goes_on_from_its_basis() -> None:
    lp, cost = packing_lp(7, 40, 600)
    csc = lp.matrix.tocsc()
    master = GlopMaster(
        csc, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi, cost, np.arange(600, dtype=np.int64)
    )
    first = master.solve(10)
    assert first.outcome == Outcome.OPTIMAL
    assert first.objective is not None
    tol = columns.PRICE_TOL * float(cost.max())
    assert first.row_dual is not None
    rc = columns._reduced_costs(cost, csc, first.row_dual, None)
    idle = columns._idle(rc, None, first, tol)
    # priced at some columns alone (the master's among them): the same columns idle
    live = np.union1d(master.columns, np.arange(0, 600, 7)).astype(np.int32)
    some = columns._reduced_costs(cost, csc, first.row_dual, live)
    assert np.array_equal(columns._idle(some, live, first, tol), idle)
    retired = master.retire(idle)
    assert retired.size > 100
    assert not set(retired.tolist()) & set(master.columns)
    assert first.x is not None
    assert float(first.x[idle].max()) == 0.0
    again = master.solve(10)
    assert again.objective is not None
    assert abs(again.objective - first.objective) < 1e-9
    assert master.iterations == 0  # restarted from the last optimal basis, less the retired


@settings(deadline=None, max_examples=60)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(3, 30),
    st.integers(20, 400),
    st.sampled_from([0, 2, 100]),
)
def test_column_generation_that_retires_columns_still_finds_the_lp_optimum(
    seed: int, m: int, n: int, rounds: int
) -> None:
    """Retired columns price back in when the duals call for them: the same optimum as the
    LP solved whole, however many rounds retire columns (0: none, 100: every round)."""
    lp, cost = packing_lp(seed, m, n)
    csc = lp.matrix.tocsc()
    first = columns.initial_columns(lp, cost, None)
    master = GlopMaster(csc, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi, cost, first)
    tol = columns.PRICE_TOL * max(1.0, float(cost.max()))
    with mock.patch.object(columns, "RETIRE_ROUNDS", rounds):
        sol = generate_columns(master, lp, cost, csc, lp.col_hi > 0, tol, time.monotonic() + 30)
    whole = solve_lp(lp, cost, maximize=True, time_limit=30)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.objective is not None
    assert whole.objective is not None
    assert abs(sol.objective - whole.objective) <= 1e-7 * max(1.0, abs(whole.objective))
    assert sol.reduced_cost is not None
    assert sol.columns is not None
    outside = np.setdiff1d(np.arange(n), sol.columns)  # at 0: none may price out
    every = sol.every_reduced_cost(n)
    assert every is not None
    assert float(every[outside].max(initial=0.0)) <= tol


def test_column_generation_holds_no_list_of_free_columns_meanwhile(monkeypatch: Any) -> None:
    """A master's LP says which columns are free by a mask alone while its columns are
    generated: the full-length list it was made from is let go (8 bytes a column)."""
    import sys

    held: list[set[str]] = []
    generate = columns.generate_columns

    def watched(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_locals
        held.append({k for k, v in caller.items() if isinstance(v, np.ndarray) and v.size > 1})
        return generate(*args, **kwargs)

    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # a master, even on a tiny LP
    monkeypatch.setattr(columns, "generate_columns", watched)
    lp = transport_lp()
    sol = solve_lp_columns(lp, np.ones(lp.ncols), time_limit=10, split=False)
    assert sol.outcome == Outcome.OPTIMAL
    assert held, "solved by a master"
    assert "free" not in held[0]
    assert "is_free" in held[0]


def test_phase_one_prices_by_a_zero_objective_without_an_array_of_zeros() -> None:
    """Phase one's reduced costs (``price`` None) are those of an objective of zeros, to the
    bit (the sign of a zero included): ``-A^T y`` made in the product's own array."""
    rng = np.random.default_rng(5)
    csc = sp.random(6, 40, density=0.3, format="csc", random_state=rng)
    y = rng.choice([0.0, -0.0, 1.5, -2.0], 6)
    got = columns._reduced_costs(None, csc, y, None)
    want = columns._reduced_costs(np.zeros(40), csc, y, None)
    assert np.array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    assert (want == 0).any(), "a column no row's dual reaches: where a sign could differ"
    # priced at some columns alone (`priced_columns`): the same there, by objective or none,
    # and those columns' alone held
    live = np.flatnonzero(rng.random(40) < 0.3).astype(np.int32)
    cost = rng.normal(0, 3, 40)
    for price in (None, cost):
        every = columns._reduced_costs(price, csc, y, None)
        some = columns._reduced_costs(price, csc, y, live)
        assert some.size == live.size
        assert np.array_equal(some, every[live])
        assert np.array_equal(np.signbit(some), np.signbit(every[live]))


@settings(deadline=None, max_examples=100)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_the_free_columns_alone_are_priced_when_few(seed: int, blocks: bool) -> None:
    """With most columns fixed at 0 (`PRICE_FREE_BELOW`), an LP by column generation reaches
    the optimum of the LP solved whole, and the reduced costs of its free columns are the
    whole LP's under its duals (the fixed columns' are not read by any tier)."""
    lp, cost = packing_lp(seed % 50, 12, 300)
    rng = np.random.default_rng(seed)
    lp.col_hi[rng.random(300) < 0.8] = 0.0  # most fixed at 0, as after tier 1's face
    assert columns.priced_columns(lp.col_hi > 0) is not None
    whole = solve_lp(lp, cost, maximize=True, time_limit=10)
    saved = columns.FULL_BELOW
    try:
        columns.FULL_BELOW = 0  # column generation, even on a tiny LP
        got = solve_lp_columns(lp, cost, time_limit=10, split=blocks)
    finally:
        columns.FULL_BELOW = saved
    assert got.outcome == whole.outcome == Outcome.OPTIMAL
    assert got.objective is not None
    assert whole.objective is not None
    assert abs(got.objective - whole.objective) < 1e-7
    assert got.reduced_cost is not None
    assert got.row_dual is not None
    free = lp.col_hi > lp.col_lo
    want = cost - lp.matrix.T @ got.row_dual[: lp.nrows]
    every = got.every_reduced_cost(lp.ncols)
    assert every is not None
    assert np.allclose(every[free], want[free], atol=1e-9)
    if not blocks:  # one master: its free columns' alone held (blocks fill in the LP's)
        assert got.priced is not None
        assert got.reduced_cost.size == got.priced.size
        assert free[got.priced].all() or got.columns is not None


def test_column_generation_holds_no_reduced_costs_through_a_master_s_solve(
    monkeypatch: Any,
) -> None:
    """The last pricing round's reduced costs (full length) are let go before the master is
    solved again and the next round's are made: never two at once."""
    import sys

    seen: list[object] = []
    solve = GlopMaster.solve

    def watched(self: GlopMaster, time_limit: float) -> Any:
        seen.append(sys._getframe(1).f_locals.get("rc", "absent"))
        return solve(self, time_limit)

    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # a master, even on a tiny LP
    monkeypatch.setattr(columns, "PER_ROW", 1)  # several pricing rounds
    monkeypatch.setattr(columns, "ADD_PER_ROUND", 1)
    monkeypatch.setattr(GlopMaster, "solve", watched)
    first = np.array([0], dtype=np.int64)  # one column to start: the others priced in
    monkeypatch.setattr(columns, "initial_columns", lambda *_: first)
    lp = transport_lp()
    sol = solve_lp_columns(lp, np.arange(lp.ncols, dtype=np.float64), time_limit=10, split=False)
    assert sol.outcome == Outcome.OPTIMAL
    assert len(seen) >= 2, "more than one pricing round"
    assert all(held is None for held in seen), seen


@pytest.mark.parametrize(("elastic", "largest"), [(True, 3), (False, 1)])
def test_a_master_solved_afresh_after_large_rounds_takes_more_columns_a_round(
    monkeypatch: Any, elastic: bool, largest: int
) -> None:
    """`ADD_PER_ROUND_AFRESH`: an elastic master of `RECRASH_ROWS` rows or more (which HiGHS
    solves afresh after a large round) takes that many priced-out columns a round; any other
    master `ADD_PER_ROUND`.  The LP's optimum is the same either way."""
    import solver.master as master_module

    added: list[int] = []
    add = GlopMaster.add

    def watched(self: GlopMaster, cols: np.ndarray) -> None:
        added.append(int(cols.size))
        add(self, cols)

    monkeypatch.setattr(master_module, "RECRASH_ROWS", 0)
    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # a master, even on a tiny LP
    monkeypatch.setattr(columns, "ADD_PER_ROUND", 1)
    monkeypatch.setattr(columns, "ADD_PER_ROUND_AFRESH", 3)
    monkeypatch.setattr(GlopMaster, "add", watched)
    first = np.array([0], dtype=np.int64)  # one column to start: three price out at once
    monkeypatch.setattr(columns, "initial_columns", lambda *_: first)
    lp = transport_lp()
    sol = solve_lp_columns(
        lp, np.arange(4, dtype=np.float64), time_limit=10, split=False, elastic=elastic
    )
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.objective == pytest.approx(7.0)  # 2 on arc 2, 1 on arc 3
    assert max(added) == largest, added
