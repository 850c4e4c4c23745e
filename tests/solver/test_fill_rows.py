"""Tier 2's fill rows by column (`solver.fill_rows.FillRows`) against the rows themselves."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.hard import generate_hard_scenario
from solver.backends import LinearModel
from solver.classes import enumerate_pairs
from solver.eligibility import Context
from solver.fill_rows import FillRows
from solver.model import RoundModel
from solver.validation import validate_scenario


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 2**16), st.integers(0, 2**32 - 1))
def test_the_fills_and_the_weighted_costs_are_the_rows(seed: int, draw: int) -> None:
    """On a hard round's model: ``rows @ x`` with z at 0, and ``rows.T @ weights`` with z's
    cost 0, for random x and weights."""
    scenario = validate_scenario(generate_hard_scenario(200, seed=seed))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    model = RoundModel(ctx, enumerate_pairs(ctx, scenario))
    lp = model.lp
    fills = FillRows.of(lp, model.fill_rows, model.z)
    rows = lp.matrix[model.fill_rows].tocsr()
    rng = np.random.default_rng(draw)
    x = rng.random(lp.ncols) * 3
    weights = rng.random(model.fill_rows.size)
    at_zero = x.copy()
    at_zero[model.z] = 0.0
    assert np.allclose(fills.filled(x), rows @ at_zero, rtol=1e-12, atol=1e-9)
    # the incumbent as the tiers pass it: the class pairs' integer flows alone
    flows = rng.integers(0, 4, model.n).astype(np.int64)
    padded = np.zeros(lp.ncols)
    padded[: model.n] = flows
    assert np.array_equal(fills.filled(flows), fills.filled(padded))
    assert np.array_equal(fills.filled(flows.astype(np.int32)), fills.filled(padded))
    cost = rows.T @ weights
    cost[model.z] = 0.0
    assert np.allclose(fills.weighted(weights), cost, rtol=1e-12, atol=1e-9)
    assert fills.coefficient == 1000.0


def lp_of(dense: list[list[float]]) -> LinearModel:
    matrix = np.array(dense)
    m, n = matrix.shape
    return LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.ones(n),
        integer=np.zeros(n, dtype=bool),
        matrix=sp.csr_matrix(matrix),
        row_lo=np.zeros(m),
        row_hi=np.full(m, np.inf),
    )


def test_rows_that_are_not_tier_2_s_are_refused() -> None:
    # the last column is z, in every row; the others one row each, alike
    rows = np.arange(2, dtype=np.int64)
    fine = FillRows.of(lp_of([[1000, 0, -3], [0, 1000, -5]]), rows, 2)
    assert fine.row_of.tolist() == [1, 2, 0]
    with pytest.raises(ValueError, match="column 0 counts in more than one fill row"):
        FillRows.of(lp_of([[1000, 0, -3], [1000, 1000, -5]]), rows, 2)
    with pytest.raises(ValueError, match="unequal coefficients"):
        FillRows.of(lp_of([[1000, 0, -3], [0, 999, -5]]), rows, 2)
