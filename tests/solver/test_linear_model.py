"""`solver.backends.LinearModel`: the matrix held once, by columns, and the dense rows; the
scale an objective's tolerances take."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.backends import LinearModel, cost_scale


def model(matrix: sp.spmatrix) -> LinearModel:
    m, n = matrix.shape
    return LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.ones(n),
        integer=np.ones(n, dtype=bool),
        matrix=matrix,
        row_lo=np.zeros(m),
        row_hi=np.full(m, 2.0),
    )


def test_the_matrix_is_held_by_columns_whatever_format_it_came_in() -> None:
    dense = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    lp = model(sp.csr_matrix(dense))
    assert isinstance(lp.matrix, sp.csc_matrix)
    assert np.array_equal(lp.matrix.toarray(), dense)
    held = model(sp.csc_matrix(dense))
    assert held.full_csc() is held.matrix  # no dense rows: no copy at all
    assert held.with_own_bounds().matrix is held.matrix


def test_dense_rows_are_stacked_once_until_they_change() -> None:
    dense = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    lp = model(sp.csc_matrix(dense))
    lp.extra.append([np.array([1.0, 1.0, 1.0]), 1.0, np.inf])
    full, lo, hi = lp.full_matrix()
    assert isinstance(full, sp.csc_matrix)
    assert np.array_equal(full.toarray(), np.vstack([dense, [1.0, 1.0, 1.0]]))
    assert lo.tolist() == [0.0, 0.0, 1.0]
    assert hi.tolist() == [2.0, 2.0, np.inf]
    assert lp.full_csc() is full
    lp.extra.append([np.array([0.0, 3.0, 0.0]), -np.inf, 2.0])
    again = lp.full_csc()
    assert again is not full
    assert np.array_equal(again.toarray()[3], [0.0, 3.0, 0.0])
    x = np.array([1.0, 0.0, 1.0])
    assert lp.activity(x)[0].tolist() == [3.0, 1.0, 2.0, 0.0]


@settings(deadline=None, max_examples=200)
@given(st.lists(st.floats(-1e12, 1e12), max_size=30))
def test_the_cost_scale_is_the_largest_magnitude_at_least_1(values: list[float]) -> None:
    """`cost_scale` from the largest and smallest coefficient is numpy's ``abs().max()``."""
    cost = np.array(values, dtype=np.float64)
    want = max(1.0, float(np.abs(cost).max()) if cost.size else 1.0)
    assert cost_scale(cost) == want
