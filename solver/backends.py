"""The optimisers of OR-Tools behind one small interface, models passed in bulk as numpy arrays.

A `LinearModel` (column bounds, a sparse matrix of rows with row bounds, held by columns) is
solved by:

- **GLOP** for linear programs (`solve_lp`), through OR-Tools' ``model_builder``, filled in one
  call (``fill_model_from_sparse_data``): OR-Tools' primal/dual simplex returns a vertex with
  its row duals and reduced costs, which the tier engine needs to keep a tier's optimal face
  (HiGHS through ``model_builder`` returns no duals in OR-Tools 9.15);
- **HiGHS inside OR-Tools** for integer programs (`solve_mip`), through MathOpt, handed a
  ``ModelProto`` filled from the arrays (`model_proto`, which the column-generation masters of
  `solver.master` use too): single-threaded with a fixed seed, so the same model gives the same
  solution, and an absolute gap below 1 (objectives are integers, so the search stops exactly
  when the tier is proven).

Every solve builds a fresh model from the arrays: nothing is kept between solves but the arrays,
which the caller changes (bounds, fixing rows).  HiGHS' log is off (MathOpt's default), so the
command line's standard output stays pure JSON.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    sparse_containers_pb2,
)
from ortools.math_opt.core.python import solver as mathopt

from solver.block_view import BlockView, own_matrix
from solver.compiled_rows import times

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

Start = npt.NDArray[np.float64] | npt.NDArray[np.int64] | npt.NDArray[np.int32]
"""Where an LP starts: a point over its columns, or over its first columns (a round's class
pairs, the incumbent as it is: int32) with the others at 0."""

HIGHS_LOCK = threading.Lock()
"""HiGHS runs one solve at a time in this process (its task scheduler is process-wide); GLOP
solves of other blocks (`solver.blocks`) go on meanwhile."""


class Outcome(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # stopped by the time limit with a solution
    LIMIT = "limit"  # stopped by the time limit without one
    INFEASIBLE = "infeasible"  # an LP proven infeasible (no solution at all)
    FAILED = "failed"  # anything else (numerical trouble, infeasible after a bad fix)


PRESOLVE_MAX_COLUMNS = 200_000
"""Columns above which a MIP goes to HiGHS without its presolve (`solve_mip`).  HiGHS' MIP
presolve does not heed the time limit, and its time grows faster than the columns: on hard XL
seed 51's tier 3, MIPs over 172,024 of its columns took 13 s in presolve, 263,361 stopped at
33 s on a 30 s limit, 446,316 at 95.5 s, and 1,479,159 (the reduced costs' MIP,
`solver.tier_mips.certified_mip`) ran past ten minutes at 5.9 GB.  Without presolve that MIP
stopped at 41 s on a 20 s limit (its set-up before the root LP takes 28 s), and proved the
tier in 82.6 s without one.  A round of C4's binaries, every tier a MIP over the whole model,
stopped at 751.3 s on a 60 s limit with presolve and at 65.9 s without, with the same
incumbent (hard L with a 100,000 USD pair minimum; docs/benchmarks-solver.md, thirty-fifth
session).  The MIPs that prove hard rounds' tiers are below: the roundings' at most
`solver.rounding.MAX_FREE`, the masters' (`solver.tier_mips.master_mip`) about 170,000 at hard
XL, the reduced costs' about 100,000 at hard L."""
DENSE_ROW_SHARE = 0.1
"""A fixing row over more than this share of the columns counts as dense
(`LinearModel.has_dense_rows`)."""


@dataclass
class LinearModel:
    """Columns with bounds and integrality, rows ``row_lo <= A x <= row_hi``.

    The matrix is held once, by columns (CSC): column generation prices and slices columns on
    every pass, while the few passes by rows (`solver.blocks`' redundant rows, the fill rows)
    read it as it is.  A class-pair round holds tens of millions of columns, so a second copy
    by rows cost some 50 bytes a class pair (docs/benchmarks-solver.md, twenty-third session).
    A block's LP reads its LP's matrix in place (`solver.block_view.BlockView`).  Any other
    sparse format given is converted on construction."""

    col_lo: FloatArray
    col_hi: FloatArray
    integer: BoolArray
    matrix: sp.csc_matrix
    row_lo: FloatArray
    row_hi: FloatArray
    extra: list[list[FloatArray | float]] = field(default_factory=list)
    """Dense ``[coef, lo, hi]`` rows ``lo <= coef . x <= hi`` added after the build (a proven
    tier kept at its optimum)."""
    _full: tuple[list[object], sp.csc_matrix] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.matrix, sp.csc_matrix | BlockView):
            self.matrix = sp.csc_matrix(self.matrix)

    @property
    def ncols(self) -> int:
        return int(self.col_lo.size)

    @property
    def nrows(self) -> int:
        return int(self.row_lo.size)

    def has_dense_rows(self) -> bool:
        """Whether a fixing row spans more than `DENSE_ROW_SHARE` of the columns (a tier kept
        by its value row): such a row links every column, so the LP falls into no blocks."""
        limit = DENSE_ROW_SHARE * self.ncols
        return any(np.count_nonzero(np.asarray(row[0])) > limit for row in self.extra)

    def pin_rows(self, rows: npt.NDArray[np.int64], at: FloatArray) -> None:
        """Rows ``rows`` (dense rows numbered after the matrix's) made equalities at ``at``."""
        base = rows < self.nrows
        self.row_lo[rows[base]] = self.row_hi[rows[base]] = at[base]
        for r, a in zip((rows[~base] - self.nrows).tolist(), at[~base].tolist(), strict=True):
            self.extra[r][1] = self.extra[r][2] = a

    def with_own_bounds(self) -> LinearModel:
        """This model with copies of its bounds and dense rows (the matrix shared), to
        restrict without touching this one."""
        return dataclasses.replace(
            self,
            col_lo=self.col_lo.copy(),
            col_hi=self.col_hi.copy(),
            row_lo=self.row_lo.copy(),
            row_hi=self.row_hi.copy(),
            extra=[list(row) for row in self.extra],
        )

    def full_matrix(self) -> tuple[sp.csc_matrix, FloatArray, FloatArray]:
        """The rows, the dense fixing rows appended (`full_csc`), and their bounds."""
        if not self.extra:
            return self.matrix, self.row_lo, self.row_hi
        lo = np.concatenate([self.row_lo, [float(row[1]) for row in self.extra]])
        hi = np.concatenate([self.row_hi, [float(row[2]) for row in self.extra]])
        return self.full_csc(), lo, hi

    def matrix_key(self) -> list[object]:
        """What `full_matrix` is made of (the matrix, each dense row's coefficients): a copy
        of it, or anything derived from it, holds while `same_matrix` holds for this key."""
        return [self.matrix, *(row[0] for row in self.extra)]

    def same_matrix(self, key: list[object]) -> bool:
        """Whether `full_matrix` is still made of the objects ``key`` holds (and keeps alive,
        so that no new object can take an old one's place)."""
        now = self.matrix_key()
        return len(key) == len(now) and all(a is b for a, b in zip(key, now, strict=True))

    def full_csc(self) -> sp.csc_matrix:
        """The matrix with the dense fixing rows appended, stacked once until the matrix or
        the dense rows change; the matrix itself when there are none."""
        if not self.extra:
            return self.matrix
        if self._full is not None and self.same_matrix(self._full[0]):
            return self._full[1]
        dense = sp.csc_matrix(np.vstack([np.asarray(row[0]) for row in self.extra]))
        full = sp.vstack([self.matrix, dense], format="csc")
        self._full = (self.matrix_key(), full)
        return full

    def activity(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Row activities of ``x`` and the row bounds, the dense rows included (the full
        matrix built once)."""
        matrix, lo, hi = self.full_matrix()
        act = times(matrix, x)
        return act, lo, hi

    def rows_hold(self, x: FloatArray, tol: float = 1e-9) -> bool:
        """Whether ``x`` satisfies every row, the dense rows included."""
        act, lo, hi = self.activity(x)
        return not ((act < lo - tol).any() or (act > hi + tol).any())

    def holds(self, x: FloatArray) -> bool:
        """Whether ``x`` is within every column bound and satisfies every row (dense rows
        included): a point a tier may claim."""
        if (x < self.col_lo).any() or (x > self.col_hi).any():
            return False
        return self.rows_hold(x)

    def with_rows(self, rows: sp.csc_matrix, lo: FloatArray, hi: FloatArray) -> LinearModel:
        """The model with ``rows`` appended (its dense rows kept, as sparse ones), on the same
        column bounds."""
        matrix, row_lo, row_hi = self.full_matrix()
        return LinearModel(
            col_lo=self.col_lo,
            col_hi=self.col_hi,
            integer=self.integer,
            matrix=sp.vstack([matrix, rows], format="csc"),
            row_lo=np.concatenate([row_lo, lo]),
            row_hi=np.concatenate([row_hi, hi]),
        )

    def restricted(self, cols: npt.NDArray[np.int64]) -> LinearModel:
        """The model on columns ``cols`` only (the others held at 0), dense rows included."""
        _, lo, hi = self.full_matrix()
        return LinearModel(
            col_lo=self.col_lo[cols],
            col_hi=self.col_hi[cols],
            integer=self.integer[cols],
            matrix=self.full_csc()[:, cols],
            row_lo=lo,
            row_hi=hi,
        )


def cost_scale(cost: FloatArray) -> float:
    """An objective's largest coefficient in magnitude, 1 at least (1 for no coefficient): the
    scale its tolerances, margins and elastic penalty are taken relative to.  From the largest
    and the smallest, not ``np.abs(cost)``: a full-length copy (8 bytes a class pair) where hard
    XL's round peaked, in keep_face."""
    if not cost.size:
        return 1.0
    return max(1.0, abs(float(cost.max())), abs(float(cost.min())))


def at_bound(act: FloatArray, bound: FloatArray, tol: float) -> BoolArray:
    """Where the row activities ``act`` meet their finite ``bound``, within ``tol`` relative
    to it (at least ``tol``)."""
    with np.errstate(invalid="ignore"):
        near = np.abs(act - bound) <= tol * np.maximum(1.0, np.abs(bound))
    out: BoolArray = np.isfinite(bound) & near
    return out


@dataclass
class LpSolution:
    outcome: Outcome
    x: FloatArray | None = None
    row_dual: FloatArray | None = None
    reduced_cost: FloatArray | None = None
    """Every column's ``c - A^T y``, or, when ``priced`` is set, those columns' in their order."""
    objective: float | None = None
    columns: npt.NDArray[np.int64] | None = None
    """The columns of the last master (column generation): a good start for the next tier."""
    priced: npt.NDArray[np.int32] | None = None
    """The columns ``reduced_cost`` is given at (ascending), when column generation priced
    only those (`solver.columns.priced_columns`); None: it is every column's.  Each column
    outside them is fixed at 0 and outside the last master, and no tier reads its reduced
    cost: they count as 0 (`every_reduced_cost`)."""

    def reduced_costs_fit(self, ncols: int) -> bool:
        """Whether ``reduced_cost`` is given, in either form, for an LP of ``ncols`` columns."""
        if self.reduced_cost is None:
            return False
        return self.reduced_cost.size == (ncols if self.priced is None else self.priced.size)

    def every_reduced_cost(self, ncols: int) -> FloatArray | None:
        """Every one of the ``ncols`` columns' reduced cost, 0 outside ``priced``: for the
        readers that take a full-length vector (an LP put together from its blocks)."""
        if self.reduced_cost is None or self.priced is None:
            return self.reduced_cost
        out = np.zeros(ncols)
        out[self.priced] = self.reduced_cost
        return out


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
        matrix = sp.csc_matrix((1, model.ncols), dtype=np.float64)
        lo, hi = np.array([-np.inf]), np.array([np.inf])
    fill: Any = helper.fill_model_from_sparse_data  # its stubs mistype numpy arrays
    fill(
        model.col_lo,
        model.col_hi,
        np.asarray(cost, dtype=np.float64),
        np.asarray(lo, dtype=np.float64),
        np.asarray(hi, dtype=np.float64),
        sp.csr_matrix(own_matrix(matrix), dtype=np.float64),
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


def matrix_entries(
    proto: sparse_containers_pb2.SparseDoubleMatrixProto, block: sp.spmatrix, col_ids: IntArray
) -> None:
    """The nonzeros of ``block`` (rows x the columns ``col_ids``) into ``proto``, ordered by
    row, then column id, as MathOpt wants."""
    coo = sp.coo_matrix(own_matrix(block))
    ids = col_ids[coo.col]
    order = np.lexsort((ids, coo.row))
    proto.row_ids.extend(coo.row[order].tolist())
    proto.column_ids.extend(ids[order].tolist())
    proto.coefficients.extend(coo.data[order].tolist())


def model_proto(
    matrix: sp.spmatrix,
    row_lo: FloatArray,
    row_hi: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    cost: FloatArray,
    *,
    integer: BoolArray | None = None,
    maximize: bool = True,
    ids: IntArray | None = None,
) -> model_pb2.ModelProto:
    """A MathOpt model filled from arrays: ``matrix``'s columns are the variables ``ids``
    (``0..n-1`` by default, in any order), its rows the constraints ``0..m-1``."""
    n = col_lo.size
    ids = np.arange(n, dtype=np.int64) if ids is None else ids
    order = np.argsort(ids, kind="stable")
    model = model_pb2.ModelProto()
    model.objective.maximize = maximize
    model.linear_constraints.ids.extend(range(matrix.shape[0]))
    model.linear_constraints.lower_bounds.extend(np.asarray(row_lo, dtype=np.float64).tolist())
    model.linear_constraints.upper_bounds.extend(np.asarray(row_hi, dtype=np.float64).tolist())
    model.variables.ids.extend(ids[order].tolist())
    model.variables.lower_bounds.extend(col_lo[order].tolist())
    model.variables.upper_bounds.extend(col_hi[order].tolist())
    kinds = np.zeros(n, dtype=bool) if integer is None else integer
    model.variables.integers.extend(kinds[order].tolist())
    nz = order[cost[order] != 0]
    model.objective.linear_coefficients.ids.extend(ids[nz].tolist())
    model.objective.linear_coefficients.values.extend(cost[nz].tolist())
    matrix_entries(model.linear_constraint_matrix, matrix, ids)
    return model


def solve_with_highs(
    proto: model_pb2.ModelProto,
    params: parameters_pb2.SolveParametersProto,
    hint: FloatArray | None = None,
) -> result_pb2.SolveResultProto:
    """``proto`` solved once by HiGHS inside OR-Tools (MathOpt), one HiGHS solve at a time in
    this process, from ``hint`` (a value for every variable) when given; MathOpt's
    ``StatusNotOk`` propagates."""
    model_params = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        given = model_params.solution_hints.add()
        given.variable_values.ids.extend(range(hint.size))
        given.variable_values.values.extend(hint.tolist())
    with HIGHS_LOCK:
        return mathopt.solve(
            proto,
            parameters_pb2.SOLVER_TYPE_HIGHS,
            parameters_pb2.SolverInitializerProto(),
            params,
            model_params,
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )


_MIP_OUTCOMES = {
    result_pb2.TERMINATION_REASON_OPTIMAL: Outcome.OPTIMAL,
    result_pb2.TERMINATION_REASON_FEASIBLE: Outcome.FEASIBLE,
    result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND: Outcome.LIMIT,
}


def solve_mip(
    model: LinearModel,
    cost: FloatArray,
    *,
    maximize: bool,
    time_limit: float,
    seed: int,
    heuristic_effort: float | None = None,
    start: FloatArray | None = None,
) -> MipSolution:
    """The integer program with HiGHS inside OR-Tools, proven when the gap is below 1.

    Through MathOpt: the same HiGHS as ``model_builder``'s, but handed the model without the
    3 s ``model_builder`` spent before HiGHS started on a MIP of 124,000 columns (hard L
    seed 4).  ``start``, a point of every column, is handed to HiGHS as a solution hint; a
    caller keeps its incumbent when the MIP returns worse.  ``heuristic_effort`` sets HiGHS'
    ``mip_heuristic_effort`` (its default, 0.05, when None).  Above `PRESOLVE_MAX_COLUMNS`
    the MIP is solved without presolve, which would not stop at the time limit.
    """
    matrix, lo, hi = model.full_matrix()
    proto = model_proto(
        matrix,
        lo,
        hi,
        model.col_lo,
        model.col_hi,
        np.asarray(cost, dtype=np.float64),
        integer=model.integer,
        maximize=maximize,
    )
    params = parameters_pb2.SolveParametersProto()
    params.highs.int_options["threads"] = 1
    params.random_seed = int(seed) % 2147483647
    params.relative_gap_tolerance = 0.0
    params.absolute_gap_tolerance = 0.999
    params.time_limit.FromNanoseconds(int(max(time_limit, 0.01) * 1e9))
    if heuristic_effort is not None:
        params.highs.double_options["mip_heuristic_effort"] = heuristic_effort
    if model.ncols > PRESOLVE_MAX_COLUMNS:
        params.presolve = parameters_pb2.EMPHASIS_OFF
    try:
        result = solve_with_highs(proto, params, start)
    except Exception:  # noqa: BLE001 - MathOpt raises StatusNotOk
        return MipSolution(Outcome.FAILED)
    x: FloatArray | None = None
    if result.solutions and result.solutions[0].HasField("primal_solution"):
        values = result.solutions[0].primal_solution.variable_values
        x = np.zeros(model.ncols)
        x[np.asarray(values.ids, dtype=np.int64)] = values.values
    raw = float(result.termination.objective_bounds.dual_bound)
    bound = raw if np.isfinite(raw) else None
    outcome = _MIP_OUTCOMES.get(result.termination.reason, Outcome.FAILED)
    if outcome == Outcome.FEASIBLE and x is None:
        outcome = Outcome.LIMIT
    return MipSolution(outcome, x=x, bound=bound)
