"""`solver.compiled_rows.times` and `transposed_times`: scipy's products, to the bit, on a
round's matrix whether its values are float64 or float32 (`solver.compiled_layout`), and
``A^T y`` whether one thread or two take it; ``A x`` by two threads to the bit at an integer
x (a vertex the tier engine checks), within rounding elsewhere (each row summed in two
parts)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import compiled_rows
from solver.compiled_rows import times, transposed_times


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.sampled_from([10**9, 0]))
def test_products_are_scipy_s_to_the_bit(seed: int, whole: bool, threads_above: int) -> None:
    """``threads_above`` 0: every product taken by two threads, half the columns each
    (`compiled_rows.SPLIT_ABOVE`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled_rows, "SPLIT_ABOVE", threads_above)
        products_are_scipy_s(seed, whole, split=threads_above == 0)


def products_are_scipy_s(seed: int, whole: bool, *, split: bool) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    dense = np.where(rng.random((m, n)) < 0.3, rng.normal(0, 1000, (m, n)), 0.0)
    if whole:  # integers, as a round's coefficients: float32 holds them exactly
        dense = np.rint(dense)
    csc = sp.csc_matrix(dense)
    x = rng.normal(0, 50, n) * (rng.random(n) < 0.7)
    y = rng.normal(0, 50, m) * (rng.random(m) < 0.7)
    want_ax, want_aty = csc @ x, csc.T @ y
    assert_product(times(csc, x), want_ax, exact=not split)
    assert np.array_equal(transposed_times(csc, y), want_aty)
    if whole:
        narrow = csc.astype(np.float32)
        assert_product(times(narrow, x), want_ax, exact=not split)
        assert np.array_equal(transposed_times(narrow, y), want_aty)
        vertex = np.rint(x)  # integer terms: every split sums them exactly
        assert np.array_equal(times(narrow, vertex), csc @ vertex)


def assert_product(got: np.ndarray, want: np.ndarray, *, exact: bool) -> None:
    if exact:
        assert np.array_equal(got, want)
    else:
        assert np.allclose(got, want, rtol=1e-12, atol=1e-9)
