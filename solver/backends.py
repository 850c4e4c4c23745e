"""The optimisers of OR-Tools behind one small interface, models passed in bulk as numpy arrays.

A `LinearModel` (column bounds, a sparse row matrix with row bounds) is handed to OR-Tools'
``model_builder`` in one call (``fill_model_from_sparse_data``), then solved by:

- **GLOP** for linear programs (`solve_lp`): OR-Tools' primal/dual simplex returns a vertex with
  its row duals and reduced costs, which the tier engine needs to keep a tier's optimal face
  (HiGHS through ``model_builder`` returns no duals in OR-Tools 9.15);
- **HiGHS inside OR-Tools** for integer programs (`solve_mip`): single-threaded with a fixed
  seed, so the same model gives the same solution, and an absolute gap below 1 (objectives are
  integers, so the search stops exactly when the tier is proven).

Every solve builds a fresh model from the arrays: nothing is kept between solves but the arrays,
which the caller changes (bounds, fixing rows).  HiGHS' banner is off (``output_flag``), so the
command line's standard output stays pure JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Outcome(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # stopped by the time limit with a solution
    LIMIT = "limit"  # stopped by the time limit without one
    INFEASIBLE = "infeasible"  # an LP proven infeasible (no solution at all)
    FAILED = "failed"  # anything else (numerical trouble, infeasible after a bad fix)


@dataclass
class LinearModel:
    """Columns with bounds and integrality, rows ``row_lo <= A x <= row_hi`` (CSR)."""

    col_lo: FloatArray
    col_hi: FloatArray
    integer: BoolArray
    matrix: sp.csr_matrix
    row_lo: FloatArray
    row_hi: FloatArray
    extra: list[list[FloatArray | float]] = field(default_factory=list)
    """Dense ``[coef, lo, hi]`` rows ``lo <= coef . x <= hi`` added after the build (a proven
    tier kept at its optimum)."""
    _csc: tuple[list[object], sp.csc_matrix] | None = field(default=None, repr=False)

    @property
    def ncols(self) -> int:
        return int(self.col_lo.size)

    @property
    def nrows(self) -> int:
        return int(self.row_lo.size)

    def full_matrix(self) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
        """The rows, the dense fixing rows appended."""
        if not self.extra:
            return self.matrix, self.row_lo, self.row_hi
        dense = sp.csr_matrix(np.vstack([np.asarray(row[0]) for row in self.extra]))
        matrix = sp.vstack([self.matrix, dense], format="csr")
        lo = np.concatenate([self.row_lo, [float(row[1]) for row in self.extra]])
        hi = np.concatenate([self.row_hi, [float(row[2]) for row in self.extra]])
        return matrix, lo, hi

    def full_csc(self) -> sp.csc_matrix:
        """`full_matrix`'s rows by columns (column generation prices and slices columns),
        converted once until the matrix or the dense rows change."""
        key: list[object] = [self.matrix, *(row[0] for row in self.extra)]
        if self._csc is not None:
            held, csc = self._csc
            if len(held) == len(key) and all(a is b for a, b in zip(held, key, strict=True)):
                return csc
        csc = self.full_matrix()[0].tocsc()
        self._csc = (key, csc)
        return csc

    def activity(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Row activities of ``x`` and the row bounds, the dense rows included (the full
        matrix built once)."""
        matrix, lo, hi = self.full_matrix()
        act: FloatArray = np.asarray(matrix @ x, dtype=np.float64)
        return act, lo, hi

    def rows_hold(self, x: FloatArray, tol: float = 1e-9) -> bool:
        """Whether ``x`` satisfies every row, the dense rows included."""
        act, lo, hi = self.activity(x)
        return not ((act < lo - tol).any() or (act > hi + tol).any())

    def restricted(self, cols: npt.NDArray[np.int64]) -> LinearModel:
        """The model on columns ``cols`` only (the others held at 0), dense rows included."""
        _, lo, hi = self.full_matrix()
        return LinearModel(
            col_lo=self.col_lo[cols],
            col_hi=self.col_hi[cols],
            integer=self.integer[cols],
            matrix=self.full_csc()[:, cols].tocsr(),
            row_lo=lo,
            row_hi=hi,
        )


@dataclass
class LpSolution:
    outcome: Outcome
    x: FloatArray | None = None
    row_dual: FloatArray | None = None
    reduced_cost: FloatArray | None = None
    objective: float | None = None
    columns: npt.NDArray[np.int64] | None = None
    """The columns of the last master (column generation): a good start for the next tier."""


@dataclass
class MipSolution:
    outcome: Outcome
    x: FloatArray | None = None
    bound: float | None = None


def builder(model: LinearModel, cost: FloatArray, maximize: bool) -> mbh.ModelBuilderHelper:
    """``model`` as an OR-Tools ``model_builder`` model, filled in one call from its arrays."""
    matrix, lo, hi = model.full_matrix()
    helper = mbh.ModelBuilderHelper()
    if matrix.shape[0] == 0:
        # model_builder wants at least one row: an empty free row changes nothing
        matrix = sp.csr_matrix((1, model.ncols), dtype=np.float64)
        lo, hi = np.array([-np.inf]), np.array([np.inf])
    fill: Any = helper.fill_model_from_sparse_data  # its stubs mistype numpy arrays
    fill(
        model.col_lo,
        model.col_hi,
        np.asarray(cost, dtype=np.float64),
        np.asarray(lo, dtype=np.float64),
        np.asarray(hi, dtype=np.float64),
        sp.csr_matrix(matrix, dtype=np.float64),
    )
    helper.set_maximize(maximize)
    return helper


def solve_lp(
    model: LinearModel, cost: FloatArray, *, maximize: bool, time_limit: float
) -> LpSolution:
    """The LP relaxation with GLOP: a vertex, its row duals and reduced costs."""
    helper = builder(model, cost, maximize)
    solver = mbh.ModelSolverHelper("glop")
    solver.set_time_limit_in_seconds(max(time_limit, 0.01))
    solver.solve(helper)
    status = solver.status()
    if status == mbh.SolveStatus.OPTIMAL:
        return LpSolution(
            Outcome.OPTIMAL,
            x=np.asarray(solver.variable_values(), dtype=np.float64),
            row_dual=np.asarray(solver.dual_values(), dtype=np.float64)[: model.nrows],
            reduced_cost=np.asarray(solver.reduced_costs(), dtype=np.float64),
            objective=float(solver.objective_value()),
        )
    if status in (
        mbh.SolveStatus.FEASIBLE,
        mbh.SolveStatus.NOT_SOLVED,
        mbh.SolveStatus.UNKNOWN_STATUS,
    ):
        return LpSolution(Outcome.LIMIT)
    if status == mbh.SolveStatus.INFEASIBLE:
        return LpSolution(Outcome.INFEASIBLE)
    return LpSolution(Outcome.FAILED)


def solve_mip(
    model: LinearModel,
    cost: FloatArray,
    *,
    maximize: bool,
    time_limit: float,
    seed: int,
    hint: FloatArray | None = None,
) -> MipSolution:
    """The integer program with HiGHS inside OR-Tools, proven when the gap is below 1."""
    helper = builder(model, cost, maximize)
    for j in np.flatnonzero(model.integer).tolist():
        helper.set_var_integrality(j, True)
    # ``hint`` is not passed on: HiGHS through model_builder crashes on a solution hint
    # (OR-Tools 9.15); the caller keeps its incumbent when the MIP returns worse.
    solver = mbh.ModelSolverHelper("highs")
    solver.set_solver_specific_parameters(
        "output_flag=false\nthreads=1\n"
        f"random_seed={int(seed) % 2147483647}\nmip_rel_gap=0\nmip_abs_gap=0.999\n"
    )
    solver.set_time_limit_in_seconds(max(time_limit, 0.01))
    solver.solve(helper)
    status = solver.status()
    has = solver.has_solution()
    x = np.asarray(solver.variable_values(), dtype=np.float64) if has else None
    bound = float(solver.best_objective_bound()) if solver.has_response() else None
    if status == mbh.SolveStatus.OPTIMAL:
        return MipSolution(Outcome.OPTIMAL, x=x, bound=bound)
    if status in (
        mbh.SolveStatus.FEASIBLE,
        mbh.SolveStatus.NOT_SOLVED,
        mbh.SolveStatus.UNKNOWN_STATUS,
    ):
        return MipSolution(Outcome.FEASIBLE if has else Outcome.LIMIT, x=x, bound=bound)
    return MipSolution(Outcome.FAILED, x=x, bound=bound)
