"""A persistent GLOP master for column generation: columns added, the last basis kept.

`solver.columns` solves a tier's LP on a restricted master and adds the columns that price out.
Solving each master from scratch (``model_builder`` keeps nothing between solves) costs the same
2-3 s on hard rounds whether 40,000 columns or 5 were added.  `GlopMaster` keeps one GLOP
(OR-Tools' ``pywraplp`` linear solver) alive: the first master is loaded in bulk from the
``model_builder`` arrays (as an ``MPModelProto``), later columns are appended, and GLOP restarts
from its last basis (new columns are nonbasic at 0, so the basis stays primal feasible and the
primal simplex goes on from it).  GLOP's presolve is off, as it would discard the basis.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.linear_solver import (  # type: ignore[attr-defined]  # no stubs
    linear_solver_pb2,
    pywraplp,
)

from solver.backends import LinearModel, LpSolution, Outcome, builder

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

GLOP_PARAMETERS = "use_preprocessing:false"
PENALTY = 1000.0
"""Cost of one unit of an elastic row's shortfall, times the largest objective coefficient."""
ARTIFICIAL_TOL = 1e-9


class GlopMaster:
    """The LP ``max cost . x`` over a growing set of columns of one sparse matrix."""

    def __init__(
        self,
        csc: sp.csc_matrix,
        row_lo: FloatArray,
        row_hi: FloatArray,
        col_lo: FloatArray,
        col_hi: FloatArray,
        cost: FloatArray,
        first: IntArray,
    ) -> None:
        self.csc = csc
        self.row_lo, self.row_hi = row_lo, row_hi
        self.col_lo, self.col_hi, self.cost = col_lo, col_hi, cost
        self.columns: list[int] = first.tolist()
        self._load(first)

    def _load(self, cols: IntArray) -> None:
        """A fresh GLOP holding the columns ``cols``, loaded in bulk (no basis)."""
        csc = self.csc
        sub = LinearModel(
            col_lo=self.col_lo[cols],
            col_hi=self.col_hi[cols],
            integer=np.zeros(cols.size, dtype=bool),
            matrix=csc[:, cols].tocsr(),
            row_lo=self.row_lo,
            row_hi=self.row_hi,
        )
        helper = builder(sub, self.cost[cols], maximize=True)
        proto = linear_solver_pb2.MPModelProto()
        with tempfile.TemporaryDirectory(prefix="hrhx-master-") as tmp:
            path = Path(tmp) / "master.pb"
            helper.write_model_to_proto_file(str(path))
            proto.ParseFromString(path.read_bytes())
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with every OR-Tools wheel
            raise RuntimeError("OR-Tools has no GLOP")
        error = solver.LoadModelFromProto(proto)
        if error:  # pragma: no cover - the proto comes from model_builder itself
            raise RuntimeError(f"GLOP refused the master: {error}")
        solver.SetSolverSpecificParametersAsString(GLOP_PARAMETERS)
        self.solver = solver
        self.rows = solver.constraints()
        self.vars = solver.variables()
        self.artificial: list[pywraplp.Variable] = []

    def _elastic(self) -> list[pywraplp.Variable]:
        """An artificial column for every row the empty solution violates, at a high cost.

        A restricted master may miss the columns that make such a row feasible (a tier's fill
        targets, say) although the LP over every column is feasible.  When a master is
        infeasible, artificial columns are added (once), so that it has a solution; the row
        duals then price in the columns that repair the rows, as a phase 1 would.  An
        artificial column still in use once no column prices out means the LP itself is
        infeasible (or the penalty too small): `solver.columns.generate_columns` reports it,
        never a solution that leans on one.
        """
        objective = self.solver.Objective()
        penalty = -PENALTY * max(1.0, float(np.abs(self.cost).max()) if self.cost.size else 1.0)
        out = []
        for r in np.flatnonzero((self.row_lo > 0) | (self.row_hi < 0)).tolist():
            var = self.solver.NumVar(0.0, self.solver.infinity(), "")
            self.rows[r].SetCoefficient(var, 1.0 if self.row_lo[r] > 0 else -1.0)
            objective.SetCoefficient(var, penalty)
            out.append(var)
        return out

    def leans_on_artificial(self) -> bool:
        """Whether the last solution uses an artificial column (its rows are not satisfied)."""
        return any(v.solution_value() > ARTIFICIAL_TOL for v in self.artificial)

    def shortfall(self) -> float:
        """How much the last solution leans on artificial columns, in all."""
        return float(sum(v.solution_value() for v in self.artificial))

    def phase_one(self) -> None:
        """The feasibility LP from here on: maximise minus the artificial columns' sum (every
        structural column, those added later too, at no cost); the basis is kept."""
        objective = self.solver.Objective()
        for var in self.vars:
            objective.SetCoefficient(var, 0.0)
        for var in self.artificial:
            objective.SetCoefficient(var, -1.0)
        self.cost = np.zeros_like(self.cost)

    def add(self, cols: IntArray) -> None:
        """Append columns ``cols`` (indices of the full matrix) to the master."""
        csc, objective = self.csc, self.solver.Objective()
        for j in cols.tolist():
            var = self.solver.NumVar(float(self.col_lo[j]), float(self.col_hi[j]), "")
            lo, hi = csc.indptr[j], csc.indptr[j + 1]
            for r, a in zip(csc.indices[lo:hi].tolist(), csc.data[lo:hi].tolist(), strict=True):
                self.rows[r].SetCoefficient(var, a)
            objective.SetCoefficient(var, float(self.cost[j]))
            self.vars.append(var)
        self.columns.extend(cols.tolist())

    def solve(self, time_limit: float) -> LpSolution:
        """The master's optimum from the last basis: x over the master's columns, row duals.

        Two recoveries, both deterministic: GLOP stopped in numerical trouble (``ABNORMAL``)
        going on from a basis: the master is loaded afresh and solved from scratch with GLOP's
        presolve; the master infeasible: artificial columns are added (`_elastic`).
        """
        deadline = time.monotonic() + time_limit
        status = self._solve(time_limit)
        if status == pywraplp.Solver.ABNORMAL and time.monotonic() < deadline:
            self._load(np.array(self.columns, dtype=np.int64))
            self.solver.SetSolverSpecificParametersAsString("")
            status = self._solve(deadline - time.monotonic())
            self.solver.SetSolverSpecificParametersAsString(GLOP_PARAMETERS)
        if status == pywraplp.Solver.INFEASIBLE and not self.artificial:
            self.artificial = self._elastic()
            status = self._solve(deadline - time.monotonic())
        if status == pywraplp.Solver.OPTIMAL:
            return LpSolution(
                Outcome.OPTIMAL,
                x=np.array([v.solution_value() for v in self.vars], dtype=np.float64),
                row_dual=np.array([c.dual_value() for c in self.rows], dtype=np.float64),
                objective=float(self.solver.Objective().Value()),
                columns=np.array(self.columns, dtype=np.int64),
            )
        if status in (pywraplp.Solver.NOT_SOLVED, pywraplp.Solver.FEASIBLE):
            return LpSolution(Outcome.LIMIT)
        if status == pywraplp.Solver.ABNORMAL and time.monotonic() >= deadline:
            return LpSolution(Outcome.LIMIT)
        return LpSolution(Outcome.FAILED)

    def _solve(self, time_limit: float) -> int:
        self.solver.SetTimeLimit(max(10, int(time_limit * 1000)))
        status: int = self.solver.Solve()
        return status
