"""A persistent GLOP master for column generation: columns added, the last basis kept.

`solver.columns` solves a tier's LP on a restricted master and adds the columns that price out.
Solving each master from scratch costs the same 2-3 s on hard rounds whether 40,000 columns or 5
were added.  `GlopMaster` keeps one GLOP alive through MathOpt, OR-Tools' incremental solver
interface: the first master is sent as one ``ModelProto`` filled from numpy arrays, later
columns (and `retarget`'s new objective and bounds) as ``ModelUpdateProto``s, and GLOP goes on
from its last basis (new columns are nonbasic at 0, so the basis stays primal feasible and the
primal simplex goes on from it).  Solutions come back as protos read straight into numpy.
A fresh master's first LP is solved by HiGHS, whose basis GLOP starts from (`CRASH_WITH_HIGHS`);
an ``elastic`` master's, with artificial columns on the rows its columns may miss, which GLOP
takes only when that optimum leans on one.  On an elastic master (tier 3's) of many rows, a
pricing round that grows it by a tenth or more is solved by HiGHS afresh too (`RECRASH_ROWS`):
GLOP's warm iterations cost more there than HiGHS from scratch.  GLOP takes HiGHS' basis
without re-optimising it (`CONFIRM_REOPTIMIZATIONS`).  GLOP's presolve is off, as it would
discard the basis.

MathOpt rather than ``pywraplp``: ``pywraplp`` hands GLOP the whole model again at every solve
and its solution is read one Python call per variable; on hard rounds that was about a third of
every master's time (docs/benchmarks-solver.md, fifth session).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    model_update_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
    sparse_containers_pb2,
)
from ortools.math_opt.core.python import solver as mathopt

from solver.backends import (
    LpSolution,
    Outcome,
    cost_scale,
    matrix_entries,
    model_proto,
    solve_with_highs,
)
from solver.blocks import Layout

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PENALTY = 10.0
"""Cost of one unit of an elastic row's shortfall, times the largest objective coefficient.
An artificial column still used once no column prices out sends the LP to its feasibility LP
(`solver.columns.generate_columns`), so no penalty makes a feasible LP infeasible; one too
small to price a row's repair in (a fill row whose dual exceeds it) ends the LP FAILED, and the
tier engine then takes its slower exact paths.  Ten rather than 1,000: HiGHS' crash of hard
XL seed 0's first tier-3 master took 4.9 s instead of 9.4 s, and side by side hard L seeds 0-11
-5.5 %, the special-path seeds 42, 44, 49, 53 and 56 -2.9 %, hard XL seeds 0-1 -4.3 % (tier 2
24.1 s and 21.2 s against 28.6 s and 35.8 s), the same objectives everywhere
(docs/benchmarks-solver.md, twenty-eighth session)."""
ARTIFICIAL_TOL = 1e-9
CRASH_WITH_HIGHS = True
"""A fresh master's first LP is solved by HiGHS inside OR-Tools (its dual simplex from scratch
took 0.4-0.5x GLOP's time on hard rounds' tier-3 and tier-4 masters) and its optimal basis
handed to GLOP, which confirms it in a few iterations and keeps it for the next masters (HiGHS
in MathOpt neither takes a basis nor solves incrementally)."""
RECRASH_ROWS = 40_000
"""Rows from which an ``elastic`` master (tier 3's) that a pricing round grew by
`RECRASH_SHARE` or more is solved by HiGHS from scratch again, GLOP confirming HiGHS' basis
(`GlopMaster.add`).  GLOP's warm primal iterations cost about 1.1 ms each on hard XL's tier-3
masters (87,582 rows), against 0.12 ms on hard L's (16,582): after a round of 20,000 columns,
GLOP went on for 16.7 s and 13.8 s where HiGHS took 5.0 s and GLOP 0.6-0.7 s more to confirm
its basis.  On hard L's masters HiGHS from scratch was no faster than GLOP going on (0.35 s
against 0.25-0.43 s), so masters of fewer rows go on in GLOP alone.  So do masters that are
not elastic: on hard XL's tier-4 masters, whose GLOP iterations cost 0.27 ms, HiGHS afresh
took 2.3 s and 2.4 s against GLOP's 1.8 s and 0.8 s (docs/benchmarks-solver.md,
twenty-eighth session)."""
RECRASH_SHARE = 0.1
"""The share of its columns a pricing round must add to a master of `RECRASH_ROWS` rows or more
for HiGHS to solve it afresh: on hard XL's tier-3 masters, GLOP going on took 7.3 s against
HiGHS' 5.6 s after a round that added 11 %, and 2.9 s against 6.0 s after one that added 2 %."""
CONFIRM_REOPTIMIZATIONS = 0
"""GLOP's ``max_number_of_reoptimizations`` when it starts from HiGHS' optimal basis (default
40).  Under an elastic master's big-M objective (artificial columns at 1,000 times the largest
benefit, `PENALTY` then) GLOP found that basis optimal in 0 iterations, then re-optimised it 40
times over, its dual infeasibility (3.7e-8 against costs of 9e6) above its absolute tolerance
every time: 24.7 s of hard XL seed 1's first tier-3 master (4.3 s on seed 0), 1.0 s with none
(docs/benchmarks-solver.md, twenty-eighth session)."""


BASIC = solution_pb2.BASIS_STATUS_BASIC
AT_LOWER = solution_pb2.BASIS_STATUS_AT_LOWER_BOUND


class Status(Enum):
    """How one GLOP solve ended, as `GlopMaster` acts on it."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"  # the master (not the LP over every column): go elastic
    LIMIT = "limit"
    TROUBLE = "trouble"  # numerical trouble from a basis: solve again from scratch
    FAILED = "failed"


_REASONS = {
    result_pb2.TERMINATION_REASON_OPTIMAL: Status.OPTIMAL,
    result_pb2.TERMINATION_REASON_INFEASIBLE: Status.INFEASIBLE,
    result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED: Status.INFEASIBLE,
    result_pb2.TERMINATION_REASON_FEASIBLE: Status.LIMIT,
    result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND: Status.LIMIT,
    result_pb2.TERMINATION_REASON_IMPRECISE: Status.TROUBLE,
    result_pb2.TERMINATION_REASON_NUMERICAL_ERROR: Status.TROUBLE,
}


def _vector(
    proto: sparse_containers_pb2.SparseDoubleVectorProto, ids: IntArray, vals: FloatArray
) -> None:
    proto.ids.extend(ids.tolist())
    proto.values.extend(vals.tolist())


class GlopMaster:
    """The LP ``max cost . x`` over a growing set of columns of one sparse matrix.

    ``elastic``: the first columns may well miss a row the empty solution violates (tier 3's
    first master, whose fill needs the previous tiers' columns may not meet).  HiGHS then solves
    the first master with the artificial columns `_elastic` would add, instead of first proving
    it infeasible without them (0.4-0.6 s on hard L); they join GLOP's master only when that
    optimum leans on one (`_settle_pending`).
    """

    def __init__(
        self,
        csc: sp.csc_matrix,
        row_lo: FloatArray,
        row_hi: FloatArray,
        col_lo: FloatArray,
        col_hi: FloatArray,
        cost: FloatArray,
        first: IntArray,
        *,
        elastic: bool = False,
    ) -> None:
        self.csc = csc
        self.elastic = elastic
        # the rows' bounds copied: what GLOP holds, while the caller's arrays move on
        # (`retarget` compares them)
        self.row_lo, self.row_hi = row_lo.copy(), row_hi.copy()
        # the columns' bounds and costs, the caller's own arrays (full length: a copy of each
        # cost 16 bytes a class pair at XL), read when columns join, and let go between LPs
        # (`rest`); the bounds and costs GLOP holds are kept for the master's columns alone
        # (`_held_*`)
        self.col_lo, self.col_hi, self.cost = col_lo, col_hi, cost
        self.columns: list[int] = first.tolist()
        self._held_lo, self._held_hi = col_lo[first], col_hi[first]
        self._held_cost = cost[first]
        self._top = cost_scale(cost)  # the penalty's scale
        self.artificial: list[tuple[int, float]] = []  # (row, sign) of each artificial column
        self.phase_one_on = False
        self.iterations = 0
        self._load(presolve=False)

    # -- the model GLOP holds -------------------------------------------------------------

    def _load(self, *, presolve: bool) -> None:
        """A fresh GLOP holding the master's columns and artificial columns, no basis."""
        n, k = len(self.columns), len(self.artificial)
        self._ids = np.arange(n, dtype=np.int64)  # MathOpt ids of the structurals
        self._art_ids: list[int] = list(range(n, n + k))
        self._next = n + k
        self.presolve = presolve
        self._cold = True  # GLOP holds no basis yet: the first solve starts from HiGHS' basis
        self._recrash = False  # a large round joined (`add`): HiGHS solves the master afresh
        self._basis: solution_pb2.BasisProto | None = None  # GLOP's last optimal basis
        self._restart = False  # columns retired since: the next solve restarts from `_basis`
        self.solver = mathopt.new(
            parameters_pb2.SOLVER_TYPE_GLOP, self._proto(), parameters_pb2.SolverInitializerProto()
        )

    def _proto(self, pending: list[tuple[int, float]] | None = None) -> model_pb2.ModelProto:
        """The master as GLOP holds it (or is to hold it: `_load`), with its ids; with
        ``pending``, artificial columns GLOP does not hold yet too, under the ids
        `_add_artificial` would give them."""
        cols = np.array(self.columns, dtype=np.int64)
        pending = pending or []
        art = np.array(
            self._art_ids + list(range(self._next, self._next + len(pending))), dtype=np.int64
        )
        ids = np.concatenate([self._ids, art])
        lo = np.concatenate([self._held_lo, np.zeros(art.size)])
        hi = np.concatenate([self._held_hi, np.full(art.size, np.inf)])
        cost = np.concatenate([self._held_cost, np.full(art.size, self._penalty())])
        block = sp.hstack(
            [self.csc[:, cols], self._artificial_block(self.artificial + pending)], format="csc"
        )
        return model_proto(block, self.row_lo, self.row_hi, lo, hi, cost, ids=ids)

    def _update(self, update: model_update_pb2.ModelUpdateProto) -> None:
        """Apply ``update``; GLOP takes every change this class makes, so a refusal is a bug."""
        if not self.solver.update(update):  # pragma: no cover - GLOP supports these updates
            raise RuntimeError("GLOP refused an incremental update of the master")

    def _penalty(self) -> float:
        return -1.0 if self.phase_one_on else -PENALTY * self._top

    def _append(
        self, lo: FloatArray, hi: FloatArray, cost: FloatArray, block: sp.csc_matrix
    ) -> IntArray:
        """New columns (bounds, objective, their entries in every row) sent to GLOP; their ids."""
        n = lo.size
        ids = np.arange(self._next, self._next + n, dtype=np.int64)
        update = model_update_pb2.ModelUpdateProto()
        update.new_variables.ids.extend(ids.tolist())
        update.new_variables.lower_bounds.extend(lo.tolist())
        update.new_variables.upper_bounds.extend(hi.tolist())
        update.new_variables.integers.extend([False] * n)
        nz = np.flatnonzero(cost)
        _vector(update.objective_updates.linear_coefficients, ids[nz], cost[nz])
        matrix_entries(update.linear_constraint_matrix_updates, block, ids)
        self._update(update)
        self._next += n
        return ids

    def _set_objective(
        self, update: model_update_pb2.ModelUpdateProto, ids: IntArray, vals: FloatArray
    ) -> None:
        """Objective coefficients of structural columns ``ids`` in ``update``, and of every
        artificial column at the current penalty (MathOpt wants the ids in order)."""
        art = np.array(self._art_ids, dtype=np.int64)
        every = np.concatenate([ids, art])
        values = np.concatenate([vals, np.full(art.size, self._penalty())])
        order = np.argsort(every)
        _vector(update.objective_updates.linear_coefficients, every[order], values[order])

    def _artificial_block(self, artificial: list[tuple[int, float]]) -> sp.csc_matrix:
        """The columns of artificial columns given as (row, sign): the sign in the row."""
        n = len(artificial)
        rows = np.array([r for r, _ in artificial], dtype=np.int64)
        signs = np.array([g for _, g in artificial], dtype=np.float64)
        return sp.csc_matrix((signs, (rows, np.arange(n))), shape=(self.csc.shape[0], n))

    def _add_artificial(self, artificial: list[tuple[int, float]]) -> None:
        """Artificial columns (row, sign) sent to GLOP at the penalty."""
        n = len(artificial)
        block = self._artificial_block(artificial)
        ids = self._append(np.zeros(n), np.full(n, np.inf), np.full(n, self._penalty()), block)
        self._art_ids.extend(ids.tolist())
        self.artificial.extend(artificial)

    def _elastic(self) -> bool:
        """An artificial column for every row the empty solution violates, at a high cost.

        A restricted master may miss the columns that make such a row feasible (a tier's fill
        targets, say) although the LP over every column is feasible.  When a master is
        infeasible, artificial columns are added (once per row and direction), so that it has
        a solution; the row duals then price in the columns that repair the rows, as a phase 1
        would.  An artificial column still in use once no column prices out means the LP
        itself is infeasible (or the penalty too small): `solver.columns.generate_columns`
        reports it, never a solution that leans on one.  False when every such row has one.
        """
        new = self._violated()
        if new:
            self._add_artificial(new)
        return bool(new)

    def _violated(self) -> list[tuple[int, float]]:
        """(row, sign) of every row the empty solution violates and no artificial column
        repairs yet."""
        rows = np.flatnonzero((self.row_lo > 0) | (self.row_hi < 0))
        signs = np.where(self.row_lo[rows] > 0, 1.0, -1.0)
        have = set(self.artificial)
        return [
            (r, g) for r, g in zip(rows.tolist(), signs.tolist(), strict=True) if (r, g) not in have
        ]

    # -- what column generation calls -----------------------------------------------------

    def leans_on_artificial(self) -> bool:
        """Whether the last solution uses an artificial column (its rows are not satisfied)."""
        return bool(self.artificial) and float(self._art_values.max()) > ARTIFICIAL_TOL

    def shortfall(self) -> float:
        """How much the last solution leans on artificial columns, in all."""
        return float(self._art_values.sum()) if self.artificial else 0.0

    def phase_one(self) -> None:
        """The feasibility LP from here on: maximise minus the artificial columns' sum (every
        structural column, those added later too, at no cost); the basis is kept."""
        self.phase_one_on = True
        self._held_cost = np.zeros(len(self.columns))
        update = model_update_pb2.ModelUpdateProto()
        self._set_objective(update, self._ids, np.zeros(self._ids.size))
        self._update(update)

    @property
    def recrashes(self) -> bool:
        """Whether a large pricing round has HiGHS solve this master afresh (`RECRASH_ROWS`)."""
        return self.elastic and self.csc.shape[0] >= RECRASH_ROWS

    def add(self, cols: IntArray) -> None:
        """Append columns ``cols`` (indices of the full matrix) to the master; a round large
        for a master of many rows has HiGHS solve it afresh next (`RECRASH_ROWS`)."""
        if cols.size == 0:
            return
        if self.recrashes and cols.size >= RECRASH_SHARE * len(self.columns):
            self._recrash = True
        block = self.csc[:, cols]
        lo, hi = self.col_lo[cols], self.col_hi[cols]
        cost = np.zeros(cols.size) if self.phase_one_on else self.cost[cols]
        ids = self._append(lo, hi, cost, block)
        self._ids = np.concatenate([self._ids, ids])
        self.columns.extend(cols.tolist())
        self._held_lo = np.concatenate([self._held_lo, lo])
        self._held_hi = np.concatenate([self._held_hi, hi])
        self._held_cost = np.concatenate([self._held_cost, cost])

    def retarget(
        self,
        csc: sp.csc_matrix,
        cost: FloatArray,
        col_lo: FloatArray,
        col_hi: FloatArray,
        row_lo: FloatArray,
        row_hi: FloatArray,
    ) -> None:
        """Another LP over the same rows and columns (its objective, bounds): the basis kept.

        GLOP restarts from the last basis when only the objective and the bounds changed (it
        takes the basic columns as they were), which a fresh master over the same columns
        would not do; the caller then prices columns in as before.  Artificial columns stay,
        at the penalty of the new objective (a feasibility LP's costs are dropped).  ``csc`` is
        the same matrix (rebuilt by the caller); a column fixed above 0 the master lacks joins
        it (its value is not a choice, so every master holds it).
        """
        self.csc = csc
        cols = np.array(self.columns, dtype=np.int64)
        update = model_update_pb2.ModelUpdateProto()
        self.cost, self.phase_one_on, self._top = cost, False, cost_scale(cost)
        changed = np.flatnonzero(self._held_cost != cost[cols])
        self._set_objective(update, self._ids[changed], cost[cols][changed])
        for old, new, target in (
            (self._held_lo, col_lo[cols], update.variable_updates.lower_bounds),
            (self._held_hi, col_hi[cols], update.variable_updates.upper_bounds),
        ):
            changed = np.flatnonzero(old != new)
            _vector(target, self._ids[changed], new[changed])
        for old, new, target in (
            (self.row_lo, row_lo, update.linear_constraint_updates.lower_bounds),
            (self.row_hi, row_hi, update.linear_constraint_updates.upper_bounds),
        ):
            changed = np.flatnonzero(old != new)
            _vector(target, changed.astype(np.int64), new[changed])
        self._update(update)
        self.col_lo, self.col_hi = col_lo, col_hi
        self._held_lo, self._held_hi = col_lo[cols], col_hi[cols]
        self._held_cost = cost[cols]
        self.row_lo, self.row_hi = row_lo.copy(), row_hi.copy()
        held = np.zeros(col_lo.size, dtype=bool)
        held[cols] = True
        self.add(np.flatnonzero((col_lo > 0) & ~held).astype(np.int64))

    def rest(self) -> None:
        """Between two LPs: the caller's full-length bounds and costs let go (24 bytes a column
        of the LP, held by every block's kept master through tiers 1 and 2 otherwise); the
        next LP's `retarget` brings its own.  GLOP, the basis and what the master holds of its
        own columns stay."""
        self.col_lo = self.col_hi = self.cost = _NOTHING

    def solve(self, time_limit: float) -> LpSolution:
        """The master's optimum from the last basis: x over the master's columns, row duals.

        Two recoveries, both deterministic: GLOP stopped in numerical trouble going on from a
        basis: the master is loaded afresh and solved from scratch with GLOP's presolve; the
        master infeasible: artificial columns are added (`_elastic`).
        """
        deadline = time.monotonic() + time_limit
        self.iterations = 0  # this solve's simplex iterations (HiGHS' and GLOP's)
        status = self._solve(time_limit)
        if status == Status.TROUBLE and time.monotonic() < deadline:
            self._load(presolve=True)
            status = self._solve(deadline - time.monotonic())
        if status == Status.INFEASIBLE and self._elastic():
            status = self._solve(deadline - time.monotonic())
        if status == Status.OPTIMAL:
            values = self._values
            return LpSolution(
                Outcome.OPTIMAL,
                x=values[self._ids],
                row_dual=self._duals,
                objective=self._objective,
                columns=np.array(self.columns, dtype=np.int64),
            )
        if status == Status.LIMIT or (status == Status.TROUBLE and time.monotonic() >= deadline):
            return LpSolution(Outcome.LIMIT)
        return LpSolution(Outcome.FAILED)

    def _solve(self, time_limit: float) -> Status:
        deadline = time.monotonic() + time_limit
        start = model_parameters_pb2.ModelSolveParametersProto()
        basis: solution_pb2.BasisProto | None = None  # HiGHS' optimal basis, if it solved
        if self._cold and CRASH_WITH_HIGHS:
            status, basis = self._highs_basis(time_limit)
            if status != Status.OPTIMAL:
                return status  # GLOP still cold: after `_elastic`, HiGHS again
        elif self._recrash and CRASH_WITH_HIGHS:
            # HiGHS' basis when it found the optimum; else GLOP from its own, as it would
            _, basis = self._highs_basis(time_limit)
        if basis is not None:
            start.initial_basis.CopyFrom(basis)
        elif self._restart and self._basis is not None:
            start.initial_basis.CopyFrom(self._restart_basis(self._basis))
        self._cold = False
        self._restart = False
        self._recrash = False
        params = parameters_pb2.SolveParametersProto()
        if basis is not None:
            params.glop.max_number_of_reoptimizations = CONFIRM_REOPTIMIZATIONS
        params.glop.use_preprocessing = self.presolve
        params.time_limit.FromNanoseconds(int(max(deadline - time.monotonic(), 0.01) * 1e9))
        try:
            result = self.solver.solve(
                params, start, None, callback_pb2.CallbackRegistrationProto(), None, None
            )
        except Exception:  # noqa: BLE001 - MathOpt raises StatusNotOk; the solver is spent
            return Status.TROUBLE
        finally:
            self.presolve = False
        self.iterations += int(result.solve_stats.simplex_iterations)
        status = _REASONS.get(result.termination.reason, Status.FAILED)
        if status != Status.OPTIMAL:
            return status
        solution = result.solutions[0]
        primal = solution.primal_solution
        values = np.zeros(self._next)  # by MathOpt id: retired columns leave gaps
        values[np.asarray(primal.variable_values.ids, dtype=np.int64)] = (
            primal.variable_values.values
        )
        duals = np.zeros(self.csc.shape[0])
        dv = solution.dual_solution.dual_values
        duals[np.asarray(dv.ids, dtype=np.int64)] = dv.values
        self._values, self._duals = values, duals
        if solution.HasField("basis"):
            self._basis = solution.basis
        self._objective = float(primal.objective_value)
        self._art_values = values[np.array(self._art_ids, dtype=np.int64)]
        return status

    def retire(self, positions: IntArray) -> IntArray:
        """Delete the master's columns at ``positions`` that are nonbasic in the last optimal
        basis; their indices in the full matrix (they may be priced in again later).

        GLOP's time per simplex iteration grows with the master's columns, and the first
        rounds' masters hold many that the duals price far out (`solver.columns.RETIRE_ROUNDS`).
        MathOpt's GLOP drops its basis when a column is deleted, so the next solve restarts
        it from the last optimal basis, less the retired columns (`_restart_basis`).
        """
        if positions.size == 0 or self._basis is None:
            return np.zeros(0, dtype=np.int64)
        ids = self._ids[positions]
        status = _status_of(self._basis, ids)
        nonbasic = (status != UNKNOWN) & (status != BASIC)
        positions, ids = positions[nonbasic], ids[nonbasic]
        if positions.size == 0:
            return np.zeros(0, dtype=np.int64)
        update = model_update_pb2.ModelUpdateProto()
        update.deleted_variable_ids.extend(ids.tolist())
        self._update(update)
        keep = np.ones(len(self.columns), dtype=bool)
        keep[positions] = False
        cols = np.array(self.columns, dtype=np.int64)
        self.columns = cols[keep].tolist()
        self._ids = self._ids[keep]
        self._held_lo, self._held_hi = self._held_lo[keep], self._held_hi[keep]
        self._held_cost = self._held_cost[keep]
        self._restart = True
        return cols[~keep]

    def _restart_basis(self, last: solution_pb2.BasisProto) -> solution_pb2.BasisProto:
        """``last`` over the variables GLOP holds now: retired columns out, columns added
        since at their lower bound (nonbasic at 0, as GLOP would take them)."""
        now = np.sort(np.concatenate([self._ids, np.array(self._art_ids, dtype=np.int64)]))
        status = _status_of(last, now)
        out = np.where(status == UNKNOWN, AT_LOWER, status)
        basis = solution_pb2.BasisProto()
        basis.constraint_status.CopyFrom(last.constraint_status)
        basis.variable_status.ids.extend(now.tolist())
        basis.variable_status.values.extend(out.tolist())
        return basis

    def _highs_basis(self, time_limit: float) -> tuple[Status, solution_pb2.BasisProto | None]:
        """The master solved by HiGHS from scratch: how that ended, and its optimal basis
        (which GLOP takes as its start and confirms in a few iterations).  Anything but an
        optimum or a proof of infeasibility leaves the master to GLOP alone (OPTIMAL, no basis).
        Artificial columns are tried only on a cold elastic master: one GLOP has solved (a
        recrash, `RECRASH_ROWS`) is feasible as it stands."""
        params = parameters_pb2.SolveParametersProto()
        params.time_limit.FromNanoseconds(int(max(time_limit, 0.01) * 1e9))
        pending = self._violated() if self._cold and self.elastic and not self.artificial else []
        model = self._proto(pending)
        try:
            result = solve_with_highs(model, params)
        except Exception:  # noqa: BLE001 - MathOpt raises StatusNotOk: GLOP alone, then
            return Status.OPTIMAL, None
        self.iterations += int(result.solve_stats.simplex_iterations)
        status = _REASONS.get(result.termination.reason, Status.FAILED)
        if status == Status.OPTIMAL and result.solutions and result.solutions[0].HasField("basis"):
            basis = result.solutions[0].basis
            if pending:
                basis = self._settle_pending(pending, result.solutions[0], basis)
            return Status.OPTIMAL, basis
        if status in (Status.INFEASIBLE, Status.LIMIT):
            return status, None
        return Status.OPTIMAL, None

    def _settle_pending(
        self,
        pending: list[tuple[int, float]],
        solution: solution_pb2.SolutionProto,
        basis: solution_pb2.BasisProto,
    ) -> solution_pb2.BasisProto:
        """After HiGHS solved the master elastic (``elastic``): the artificial columns join
        GLOP's master when the optimum leans on one, else they are dropped from HiGHS' basis
        (GLOP never holds them: idle, they slowed every later round)."""
        first = self._next
        values = solution.primal_solution.variable_values
        ids = np.asarray(values.ids, dtype=np.int64)
        used = ids >= first
        if used.any() and float(np.asarray(values.values)[used].max()) > ARTIFICIAL_TOL:
            self._add_artificial(pending)
            return basis
        # an artificial column basic at 0 hands its place to its row's slack (the same unit
        # column up to sign), so that the basis stays complete and nonsingular
        var_ids = np.asarray(basis.variable_status.ids, dtype=np.int64)
        var_status = np.asarray(basis.variable_status.values, dtype=np.int64)
        rows = np.array([r for r, _ in pending], dtype=np.int64)
        art = var_ids >= first
        basic_rows = rows[var_ids[art & (var_status == BASIC)] - first]
        row_ids = np.asarray(basis.constraint_status.ids, dtype=np.int64)
        row_status = np.asarray(basis.constraint_status.values, dtype=np.int64)
        row_status[np.isin(row_ids, basic_rows)] = BASIC
        kept = solution_pb2.BasisProto()
        kept.CopyFrom(basis)
        kept.variable_status.ids[:] = var_ids[~art].tolist()
        kept.variable_status.values[:] = var_status[~art].tolist()
        kept.constraint_status.values[:] = row_status.tolist()
        return kept


UNKNOWN = -1
_NOTHING: FloatArray = np.zeros(0)
"""What a resting master holds of its caller's full-length arrays (`GlopMaster.rest`): a
column joining it then fails loudly instead of taking a stale bound."""


def _status_of(basis: solution_pb2.BasisProto, ids: IntArray) -> IntArray:
    """The status ``basis`` gives each variable of ``ids``; `UNKNOWN` for one it lacks."""
    held = np.asarray(basis.variable_status.ids, dtype=np.int64)  # in ascending order
    status = np.asarray(basis.variable_status.values, dtype=np.int64)
    out = np.full(ids.size, UNKNOWN, dtype=np.int64)
    if held.size == 0:
        return out
    at = np.minimum(np.searchsorted(held, ids), held.size - 1)
    known = held[at] == ids
    out[known] = status[at[known]]
    return out


@dataclass
class KeptMaster:
    """The persistent master one LP leaves for the next over the same rows to retarget (and,
    for an LP solved by blocks, one per block, by the block's rows)."""

    master: GlopMaster | None = None
    parts: dict[bytes, KeptMaster] = field(default_factory=dict)
    layout: Layout | None = None
    """The blocks the last LP was split into, to split the next alike."""

    def part(self, key: bytes) -> KeptMaster:
        """The kept master of one block."""
        return self.parts.setdefault(key, KeptMaster())

    def drop(self) -> None:
        """Nothing kept: the next LP starts afresh."""
        self.master = None
        self.parts.clear()
        self.layout = None
