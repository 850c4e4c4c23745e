"""The persistent GLOP master of column generation (`solver.master`, `solver.columns`) on tiny LPs.

A restricted master can be infeasible although the LP over every column is not (its columns miss
a row's only way to be satisfied), and GLOP can stop in numerical trouble going on from a basis;
neither may turn a feasible LP into a failure.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from ortools.math_opt import solution_pb2

from solver.backends import LinearModel, LpSolution, Outcome, solve_lp
from solver.columns import generate_columns
from solver.master import GlopMaster, KeptMaster, Status
from tests.solver.highs_spy import highs_calls


def covering_lp() -> tuple[LinearModel, np.ndarray]:
    """max x0 + 2 x1 + 3 x2 subject to x0 + x1 >= 1, x0 + x1 + x2 <= 2, 0 <= x <= 1."""
    matrix = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]))
    lp = LinearModel(
        col_lo=np.zeros(3),
        col_hi=np.ones(3),
        integer=np.zeros(3, dtype=bool),
        matrix=matrix,
        row_lo=np.array([1.0, -np.inf]),
        row_hi=np.array([np.inf, 2.0]),
    )
    return lp, np.array([1.0, 2.0, 3.0])


def master_of(lp: LinearModel, cost: np.ndarray, first: list[int], *, elastic: bool) -> GlopMaster:
    return GlopMaster(
        lp.matrix.tocsc(),
        lp.row_lo,
        lp.row_hi,
        lp.col_lo,
        lp.col_hi,
        cost,
        np.array(first, dtype=np.int64),
        elastic=elastic,
    )


def run(
    lp: LinearModel, cost: np.ndarray, first: list[int], *, elastic: bool = False
) -> tuple[Outcome, float | None]:
    master = master_of(lp, cost, first, elastic=elastic)
    is_free = lp.col_hi > 0
    sol = generate_columns(
        master, lp, cost, master.csc, is_free, 1e-9, deadline=time.monotonic() + 60
    )
    return sol.outcome, sol.objective


@pytest.mark.parametrize("elastic", [False, True])
def test_a_master_without_the_columns_of_a_covering_row_prices_them_in(elastic: bool) -> None:
    lp, cost = covering_lp()
    whole = solve_lp(lp, cost, maximize=True, time_limit=10)
    assert whole.objective == 5.0  # x1 = x2 = 1
    # x0 + x1 >= 1 cannot hold on x2 alone
    outcome, objective = run(lp, cost, first=[2], elastic=elastic)
    assert outcome == Outcome.OPTIMAL
    assert objective is not None
    assert abs(objective - 5.0) < 1e-9


@pytest.mark.parametrize("elastic", [False, True])
def test_an_infeasible_lp_is_reported_not_solved_on_an_artificial_column(elastic: bool) -> None:
    lp, cost = covering_lp()
    lp.row_lo[0] = 3.0  # x0 + x1 >= 3 with both at most 1
    outcome, _ = run(lp, cost, first=[2], elastic=elastic)
    assert outcome == Outcome.INFEASIBLE


def test_an_elastic_master_that_needs_no_artificial_column_keeps_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The row x0 + x1 >= 1 fails at x = 0, so HiGHS solves the first master with an artificial
    column on it; the optimum leaves it idle, and GLOP's master never holds it."""
    calls = highs_calls(monkeypatch)
    lp, cost = covering_lp()
    master = master_of(lp, cost, [0, 1, 2], elastic=True)
    sol = master.solve(10.0)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.objective is not None
    assert abs(sol.objective - 5.0) < 1e-9
    assert master.artificial == []
    assert len(calls) == 1


@pytest.mark.parametrize(("elastic", "solves"), [(False, 2), (True, 1)])
def test_an_elastic_master_skips_the_proof_that_its_columns_miss_a_row(
    monkeypatch: pytest.MonkeyPatch, elastic: bool, solves: int
) -> None:
    """Without ``elastic``, HiGHS first proves the master infeasible, then solves it again
    with artificial columns; with it, one solve does both."""
    calls = highs_calls(monkeypatch)
    lp, cost = covering_lp()
    master = master_of(lp, cost, [2], elastic=elastic)
    sol = master.solve(10.0)
    assert sol.outcome == Outcome.OPTIMAL
    assert master.artificial == [(0, 1.0)]
    assert master.leans_on_artificial()
    assert len(calls) == solves


@pytest.mark.parametrize(
    ("elastic", "rows_from", "afresh"),
    [(True, 0, True), (True, 3, False), (False, 0, False)],
    ids=["tier-3-master-of-many-rows", "too-few-rows", "not-elastic"],
)
def test_a_large_round_on_a_master_of_many_rows_is_solved_by_highs_afresh(
    monkeypatch: pytest.MonkeyPatch, elastic: bool, rows_from: int, afresh: bool
) -> None:
    """`RECRASH_ROWS`: a pricing round that grows an elastic master by `RECRASH_SHARE` or more
    has HiGHS solve it from scratch and GLOP confirm the basis, once; the optimum is GLOP's
    own.  A master of fewer rows, or one that is not elastic, goes on in GLOP alone."""
    import solver.master as master_module

    monkeypatch.setattr(master_module, "RECRASH_ROWS", rows_from)  # the LP has 2 rows
    monkeypatch.setattr(master_module, "RECRASH_SHARE", 0.5)
    calls = highs_calls(monkeypatch)
    lp, cost = covering_lp()
    master = master_of(lp, cost, [2], elastic=elastic)
    first = master.solve(10.0)
    assert first.outcome == Outcome.OPTIMAL
    crashed = len(calls)  # the first solve's own (one or two)
    master.add(np.array([0, 1], dtype=np.int64))  # two columns on a master of one: a large round
    second = master.solve(10.0)
    assert second.outcome == Outcome.OPTIMAL
    assert second.objective is not None
    assert abs(second.objective - 5.0) < 1e-9
    assert len(calls) == crashed + (1 if afresh else 0)
    master.add(np.zeros(0, dtype=np.int64))
    assert master.solve(10.0).outcome == Outcome.OPTIMAL  # no round since: GLOP alone
    assert len(calls) == crashed + (1 if afresh else 0)


def test_glop_confirms_highs_basis_without_re_optimising_it() -> None:
    """`CONFIRM_REOPTIMIZATIONS`: the solve that starts from HiGHS' basis tells GLOP not to
    re-optimise (under a big-M objective it did so 40 times over, 0 iterations each); a solve
    that goes on from GLOP's own basis keeps GLOP's default."""
    lp, cost = covering_lp()
    master = master_of(lp, cost, [0, 2], elastic=False)
    seen: list[int | None] = []
    real = master.solver

    class Recorded:
        def solve(self, params: Any, *args: Any) -> Any:
            glop = params.glop
            has = glop.HasField("max_number_of_reoptimizations")
            seen.append(glop.max_number_of_reoptimizations if has else None)
            return real.solve(params, *args)

        def update(self, update: Any) -> bool:
            return bool(real.update(update))

    master.solver = Recorded()  # type: ignore[assignment]
    assert master.solve(10.0).outcome == Outcome.OPTIMAL  # HiGHS, then GLOP from its basis
    master.add(np.array([1], dtype=np.int64))
    assert master.solve(10.0).outcome == Outcome.OPTIMAL  # GLOP from its own basis
    assert seen == [0, None]


def test_a_basic_idle_artificial_column_hands_its_place_to_its_rows_slack() -> None:
    lp, cost = covering_lp()
    master = master_of(lp, cost, [0, 1, 2], elastic=True)
    first = master._next  # the id the artificial column of row 0 would take
    solution = solution_pb2.SolutionProto()
    values = solution.primal_solution.variable_values
    values.ids.extend([0, 1, 2, first])
    values.values.extend([0.0, 1.0, 1.0, 0.0])
    basis = solution.basis
    basis.variable_status.ids.extend([0, 1, 2, first])
    upper, lower = (
        solution_pb2.BASIS_STATUS_AT_UPPER_BOUND,
        solution_pb2.BASIS_STATUS_AT_LOWER_BOUND,
    )
    basic = solution_pb2.BASIS_STATUS_BASIC
    basis.variable_status.values.extend([lower, upper, basic, basic])
    basis.constraint_status.ids.extend([0, 1])
    basis.constraint_status.values.extend([lower, upper])
    kept = master._settle_pending([(0, 1.0)], solution, basis)
    assert list(kept.variable_status.ids) == [0, 1, 2]
    assert list(kept.variable_status.values) == [lower, upper, basic]
    assert list(kept.constraint_status.values) == [basic, upper]
    assert master.artificial == []


def test_numerical_trouble_from_a_basis_is_solved_again_from_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lp, cost = covering_lp()
    real = GlopMaster._solve
    statuses: list[Status] = []

    def trouble_once(self: GlopMaster, limit: float) -> Status:
        status = Status.TROUBLE if not statuses else real(self, limit)
        statuses.append(status)
        return status

    monkeypatch.setattr(GlopMaster, "_solve", trouble_once)
    outcome, objective = run(lp, cost, first=[0, 1, 2])
    assert statuses[0] == Status.TROUBLE
    assert outcome == Outcome.OPTIMAL
    assert objective is not None
    assert abs(objective - 5.0) < 1e-9


def test_a_master_that_failed_is_not_kept_for_the_next_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    """GLOP in trouble again after the reload leaves the master's solver spent (MathOpt refuses
    every later update): the LP fails, and the next LP over the same rows starts afresh."""
    import solver.columns as columns

    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # a persistent master, even on a tiny LP
    monkeypatch.setattr(GlopMaster, "_solve", lambda self, limit: Status.TROUBLE)
    lp, cost = covering_lp()
    keep = KeptMaster()
    sol = columns.solve_lp_columns(lp, cost, time_limit=10.0, keep=keep)
    assert sol.outcome == Outcome.FAILED
    assert keep.master is None


def test_a_hard_round_goes_through_both_ends_of_an_elastic_master(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hard M rounds with a master for every LP (`FULL_BELOW` 0): on seed 0 tier 3's first
    master leans on its artificial columns, on seed 1 it leaves them idle with one basic (its
    row's slack takes its place).  Every master solve is optimal, and the tiers are those
    of the plain crash."""
    import solver.columns as columns
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver.round import run_round

    monkeypatch.setattr(columns, "FULL_BELOW", 0)
    outcomes: list[Outcome] = []
    real = GlopMaster.solve

    def recorded(self: GlopMaster, limit: float) -> LpSolution:
        sol = real(self, limit)
        outcomes.append(sol.outcome)
        return sol

    monkeypatch.setattr(GlopMaster, "solve", recorded)
    for seed in (0, 1):
        raw = generate_hard_scenario(2000, seed=seed)
        elastic = run_round(raw, time_limit_s=120)
        assert elastic.status == "OPTIMAL"
        assert set(outcomes) == {Outcome.OPTIMAL}
        monkeypatch.setattr(tiers, "ELASTIC_TIER_3", False)
        plain = run_round(raw, time_limit_s=120)
        monkeypatch.setattr(tiers, "ELASTIC_TIER_3", True)
        assert plain.status == "OPTIMAL"
        assert elastic.objective == plain.objective


def test_a_feasible_lp_is_never_reported_infeasible_whatever_the_penalty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A penalty too small to repair the covering row leaves the master on its artificial
    column; the feasibility LP then finds the row can hold: FAILED, never INFEASIBLE."""
    import solver.master as master_module

    lp, _ = covering_lp()
    cost = np.array([-10.0, -10.0, 3.0])  # covering x0 + x1 >= 1 costs 10 a unit
    monkeypatch.setattr(master_module, "PENALTY", 1e-4)
    outcome, _ = run(lp, cost, first=[2])
    assert outcome == Outcome.FAILED
    monkeypatch.setattr(master_module, "PENALTY", 1000.0)
    outcome, objective = run(lp, cost, first=[2])
    assert outcome == Outcome.OPTIMAL
    assert objective is not None
    assert abs(objective - (3.0 - 10.0)) < 1e-9


def test_a_master_proven_infeasible_retargeted_one_level_down_finds_the_optimum() -> None:
    """Tier 3 one level down: the master that proved a level out (artificial columns, then the
    feasibility LP) is retargeted to lower row bounds and must give the fresh LP's optimum."""
    lp, cost = covering_lp()
    lp.row_lo[0] = 3.0  # x0 + x1 >= 3 with both at most 1: infeasible
    csc = lp.matrix.tocsc()
    master = GlopMaster(
        csc, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi, cost, np.array([2], dtype=np.int64)
    )
    is_free = lp.col_hi > 0
    sol = generate_columns(master, lp, cost, csc, is_free, 1e-9, time.monotonic() + 10)
    assert sol.outcome == Outcome.INFEASIBLE
    assert master.artificial
    lp.row_lo[0] = 1.0
    master.retarget(csc, cost, lp.col_lo, lp.col_hi, lp.row_lo, lp.row_hi)
    sol = generate_columns(master, lp, cost, csc, is_free, 1e-9, time.monotonic() + 10)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.objective is not None
    assert abs(sol.objective - 5.0) < 1e-9  # x1 = x2 = 1
    assert not master.leans_on_artificial()


@pytest.mark.parametrize("why", ["stalled", "large", "neither"])
@pytest.mark.parametrize(("need", "expected"), [(1.0, Outcome.OPTIMAL), (3.0, Outcome.INFEASIBLE)])
def test_a_stalled_shortfall_goes_to_the_feasibility_lp_and_back_when_it_holds(
    monkeypatch: pytest.MonkeyPatch, need: float, expected: Outcome, why: str
) -> None:
    """Every round counted as stalled, or an LP above `FEASIBILITY_FIRST_ABOVE` columns: the
    elastic master leaning on its artificial column goes to the feasibility LP after its first
    solve.  A covering row that can hold sends it back to the objective, once, from the
    feasibility LP's basis (the LP's optimum, 5); one that cannot is reported INFEASIBLE.
    Neither (a small LP whose shortfall falls): the objective's rounds price the covering
    column in, and no feasibility LP runs unless the row cannot hold."""
    import solver.columns as columns

    if why == "stalled":
        monkeypatch.setattr(columns, "_stalled", lambda short, last: True)
    elif why == "large":
        monkeypatch.setattr(columns, "FEASIBILITY_FIRST_ABOVE", 0)
    phases: list[str] = []
    real_phase_one, real_retarget = GlopMaster.phase_one, GlopMaster.retarget

    def phase_one(self: GlopMaster) -> None:
        phases.append("feasibility")
        real_phase_one(self)

    def retarget(self: GlopMaster, *args: Any) -> None:
        phases.append("objective")
        real_retarget(self, *args)

    monkeypatch.setattr(GlopMaster, "phase_one", phase_one)
    monkeypatch.setattr(GlopMaster, "retarget", retarget)
    lp, cost = covering_lp()
    lp.row_lo[0] = need
    outcome, objective = run(lp, cost, first=[2], elastic=True)
    assert outcome == expected
    if expected == Outcome.OPTIMAL:
        assert phases == ([] if why == "neither" else ["feasibility", "objective"])
        assert objective is not None
        assert abs(objective - 5.0) < 1e-9
    else:
        assert phases == ["feasibility"]


def test_bounds_changed_in_place_between_lps_reach_glop_on_retarget() -> None:
    """A master reads its caller's column bounds (no copy of them in full): a bound the caller
    changes in place between two LPs (a tier's face kept by fixing columns) must reach GLOP on
    retarget for the master's own columns, and hold for columns priced in afterwards."""
    lp, cost = covering_lp()
    csc = lp.matrix.tocsc()
    master = GlopMaster(
        csc, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi, cost, np.array([0, 2], dtype=np.int64)
    )
    is_free = lp.col_hi > 0
    sol = generate_columns(master, lp, cost, csc, is_free, 1e-9, time.monotonic() + 10)
    assert sol.objective is not None
    assert abs(sol.objective - 5.0) < 1e-9  # x1 = x2 = 1
    lp.col_hi[2] = 0.0  # the master's column, fixed in place at 0
    lp.col_lo[0] = lp.col_hi[0] = 1.0  # and x0 at 1
    master.retarget(csc, cost, lp.col_lo, lp.col_hi, lp.row_lo, lp.row_hi)
    is_free = lp.col_hi > lp.col_lo
    sol = generate_columns(master, lp, cost, csc, is_free, 1e-9, time.monotonic() + 10)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.objective is not None
    assert abs(sol.objective - 3.0) < 1e-9  # x0 = x1 = 1, x2 = 0
    fresh = solve_lp(lp, cost, maximize=True, time_limit=10.0)
    assert fresh.objective is not None
    assert abs(fresh.objective - sol.objective) < 1e-9


def test_a_kept_master_lets_its_lp_s_arrays_go_until_the_next_lp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between two LPs a kept master holds nothing full-length of its caller's (every block's
    master would otherwise hold its block's bounds and costs through tiers 1 and 2); the next
    LP, another objective over the same rows, retargets it and gets that LP's optimum."""
    import solver.columns as columns

    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # a master even for three columns
    lp, cost = covering_lp()
    keep = KeptMaster()
    first = columns.solve_lp_columns(lp, cost, time_limit=10.0, keep=keep, split=False)
    assert first.objective is not None
    assert abs(first.objective - 5.0) < 1e-9
    master = keep.master
    assert master is not None
    assert master.col_lo.size == master.col_hi.size == master.cost.size == 0
    other = np.array([3.0, 1.0, -1.0])  # x0 first now, x2 not at all
    again = columns.solve_lp_columns(lp, other, time_limit=10.0, keep=keep, split=False)
    assert keep.master is master  # retargeted, not built afresh
    fresh = solve_lp(lp, other, maximize=True, time_limit=10.0)
    assert again.objective is not None
    assert fresh.objective is not None
    assert abs(again.objective - fresh.objective) < 1e-9
    assert master.cost.size == 0
