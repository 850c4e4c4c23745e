"""`solver.compiled_near_face` gives, to the bit, what `solver.near_face`'s numpy passes gave."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.compiled_near_face import (
    budget_coefficients,
    column_terms_signed,
    columns_fixed_and_whole,
    pin_columns,
    rows_off_integers,
)

SNAP = 1e-6


def columns(seed: int, n: int) -> tuple[np.ndarray, ...]:
    """A vertex with integral, nearly integral and fractional values, reduced costs of every
    sign and size (zeros among them), bounds finite, infinite and fixed, mixed integrality."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n) + rng.choice([0.0, 0.0, 0.5, 1e-7, -1e-7, 2e-6], size=n)
    rc = rng.choice([0.0, 1e-9, -1e-9, 0.3, -0.3, 5.0, -5.0], size=n) * rng.random(n).round(1)
    lo = rng.choice([0.0, 0.0, 1.0, -np.inf, 0.5], size=n)
    hi = np.where(rng.random(n) < 0.2, lo, rng.choice([3.0, 4.0, np.inf], size=n))
    snap_to = rng.random(n)
    x = np.where(snap_to < 0.3, lo, np.where(snap_to < 0.5, hi, x))
    x[~np.isfinite(x)] = 1.0
    integer = rng.random(n) < 0.8
    return x, rc, lo, hi, integer


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 60), st.sampled_from([0.0, 0.1, 2.0]))
def test_the_column_passes_match_numpy(seed: int, n: int, gap: float) -> None:
    x, rc, lo, hi, integer = columns(seed, n)
    tol = 1e-6
    at_lo = np.abs(x - lo) <= SNAP
    at_hi = np.abs(x - hi) <= SNAP
    signed = not (((rc < -tol) & ~at_lo).any() or ((rc > tol) & ~at_hi).any())
    assert column_terms_signed(x, rc, None, lo, hi, tol, SNAP) == signed

    fixable = integer & np.isclose(x, np.rint(x), rtol=0.0, atol=SNAP)
    fix_np = (np.abs(rc) > gap + tol) & fixable
    whole_np = (integer | (lo == hi)) & (lo == np.rint(lo))
    fix, whole = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    columns_fixed_and_whole(x, rc, None, integer, lo, hi, gap + tol, SNAP, fix, whole)
    assert fix.tolist() == fix_np.tolist()
    assert whole.tolist() == whole_np.tolist()

    rows_part = np.random.default_rng(seed + 1).normal(size=n) * 1e-3
    rows_part[::3] = 0.0
    coef_np = np.where((np.abs(rc) > tol) & ~fix_np, rc, 0.0)
    coef_np += rows_part
    coef_np[(lo == hi) | fix_np] = 0.0
    coef_np[np.abs(coef_np) <= tol * 1e-3] = 0.0
    coef = rows_part.copy()
    nonzero = budget_coefficients(coef, rc, None, fix, lo, hi, tol, tol * 1e-3)
    assert coef.tobytes() == coef_np.tobytes()
    assert nonzero == bool((coef_np != 0.0).any())

    lo_np, hi_np = lo.copy(), hi.copy()
    cols = np.flatnonzero(fix_np)
    lo_np[cols] = hi_np[cols] = np.rint(x[cols])
    pin_columns(x, fix, lo, hi)
    assert lo.tobytes() == lo_np.tobytes()
    assert hi.tobytes() == hi_np.tobytes()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([np.float32, np.float64]))
def test_the_rows_off_integers_match_numpy(seed: int, dtype: type) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.choice([0.0, 0.0, 1.0, -1.0, 1000.0, 0.5, 2.25], size=(7, 9))
    matrix = sp.csc_matrix(dense.astype(dtype))
    whole = rng.random(9) < 0.7
    bad_np = np.zeros(7, dtype=bool)
    bad_np[matrix.indices[matrix.data != np.rint(matrix.data)]] = True
    bad_np[matrix[:, np.flatnonzero(~whole)].indices] = True
    bad = rows_off_integers(matrix.indptr, matrix.indices, matrix.data, whole, 7)
    assert bad.tolist() == bad_np.tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 60), st.sampled_from([0.0, 0.1, 2.0]))
def test_the_column_passes_read_some_columns_reduced_costs_as_zeros_elsewhere(
    seed: int, n: int, gap: float
) -> None:
    """Reduced costs given at some columns alone (`LpSolution.priced`) read as the full-length
    vector with zeros at every other column, to the bit."""
    x, rc, lo, hi, integer = columns(seed, n)
    at = np.flatnonzero(np.random.default_rng(seed + 2).random(n) < 0.5).astype(np.int32)
    every = np.zeros(n)
    every[at] = rc[at]
    some = rc[at]
    tol = 1e-6
    signed = column_terms_signed(x, every, None, lo, hi, tol, SNAP)
    assert column_terms_signed(x, some, at, lo, hi, tol, SNAP) == signed
    want = [np.empty(n, dtype=bool) for _ in range(2)]
    got = [np.empty(n, dtype=bool) for _ in range(2)]
    columns_fixed_and_whole(x, every, None, integer, lo, hi, gap + tol, SNAP, *want)
    columns_fixed_and_whole(x, some, at, integer, lo, hi, gap + tol, SNAP, *got)
    assert [w.tolist() for w in want] == [g.tolist() for g in got]
    rows_part = np.random.default_rng(seed + 1).normal(size=n) * 1e-3
    coef_every, coef_some = rows_part.copy(), rows_part.copy()
    nonzero = budget_coefficients(coef_every, every, None, want[0], lo, hi, tol, tol * 1e-3)
    assert budget_coefficients(coef_some, some, at, want[0], lo, hi, tol, tol * 1e-3) == nonzero
    assert coef_some.tobytes() == coef_every.tobytes()
