"""`solver.backends.solve_mip`: how an integer program is handed to HiGHS inside OR-Tools."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from ortools.math_opt import parameters_pb2

import solver.backends as backends
from solver.backends import LinearModel, Outcome, solve_mip
from tests.solver.highs_spy import highs_calls


def test_a_mip_above_the_presolve_limit_is_solved_without_presolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS' presolve does not heed the time limit: a MIP of more columns than
    `PRESOLVE_MAX_COLUMNS` goes without it, and is still solved to its optimum."""
    calls = highs_calls(monkeypatch)
    # x0 + x1 <= 1.5 over integers, x0 worth 2: the optimum is x0 = 1
    lp = LinearModel(
        col_lo=np.zeros(2),
        col_hi=np.full(2, 3.0),
        integer=np.ones(2, dtype=bool),
        matrix=sp.csr_matrix(np.array([[1.0, 1.0]])),
        row_lo=np.array([-np.inf]),
        row_hi=np.array([1.5]),
    )
    for limit in (2, 1):
        monkeypatch.setattr(backends, "PRESOLVE_MAX_COLUMNS", limit)
        sol = solve_mip(lp, np.array([2.0, 1.0]), maximize=True, time_limit=10, seed=0)
        assert sol.outcome == Outcome.OPTIMAL
        assert sol.x is not None
        assert sol.x.tolist() == [1.0, 0.0]
    seen = [params.presolve for _, params, _ in calls]
    assert seen == [parameters_pb2.EMPHASIS_UNSPECIFIED, parameters_pb2.EMPHASIS_OFF]
