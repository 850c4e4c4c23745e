"""`solver.compiled_face`: the columns' pass of `solver.tiers.keep_face`, against numpy's."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.compiled_face import (
    fractional_columns,
    largest_rounding,
    priced_columns_at_bounds,
    round_in_place,
)

SNAP = 1e-6


def by_numpy(
    rc: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int, tol: float
) -> tuple[bool, np.ndarray, np.ndarray]:
    """The pass as numpy wrote it: whether it holds, and the bounds it leaves."""
    lo, hi = lo.copy(), hi.copy()
    cols = np.flatnonzero(np.abs(rc[:n]) > tol)
    clo, chi, v = lo[cols], hi[cols], x[cols]
    c_lo, c_hi = np.abs(v - clo) <= SNAP, np.abs(v - chi) <= SNAP
    if not (c_lo | c_hi).all():
        return False, lo, hi
    lo[cols] = hi[cols] = np.where(c_lo, clo, chi)
    return True, lo, hi


@settings(deadline=None, max_examples=300)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_the_compiled_pass_is_numpy_s(seed: int, at_bounds: bool) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 40))
    n = int(rng.integers(0, size + 1))
    lo = rng.choice([0.0, 1.0, 2.0], size)
    hi = lo + rng.choice([0.0, 1e-6, 1.0, 3.0, np.inf], size)  # 1e-6: x meets both
    x = np.where(rng.random(size) < 0.5, lo, np.where(np.isfinite(hi), hi, lo + 0.5))
    if not at_bounds:
        x = x + rng.choice([0.0, 0.4, 5e-7, 2e-6, np.nan], size)
    rc = rng.choice([0.0, 1e-9, -1e-3, 2.0, -7.0, np.nan], size)
    tol = 1e-7
    ok, want_lo, want_hi = by_numpy(rc, x, lo, hi, n, tol)
    assert priced_columns_at_bounds(rc, None, x, lo, hi, n, tol, SNAP, False) == ok
    # priced at some columns alone: as if every other column's reduced cost were 0
    at = np.flatnonzero(rng.random(size) < 0.6).astype(np.int32)
    some = np.zeros(size)
    some[at] = rc[at]
    ok_some, some_lo, some_hi = by_numpy(some, x, lo, hi, n, tol)
    assert priced_columns_at_bounds(rc[at], at, x, lo, hi, n, tol, SNAP, False) == ok_some
    if ok_some:
        lo_at, hi_at = lo.copy(), hi.copy()
        assert priced_columns_at_bounds(rc[at], at, x, lo_at, hi_at, n, tol, SNAP, True)
        assert np.array_equal(lo_at, some_lo)
        assert np.array_equal(hi_at, some_hi)
    if ok:
        assert priced_columns_at_bounds(rc, None, x, lo, hi, n, tol, SNAP, True)
        assert np.array_equal(lo, want_lo)
        assert np.array_equal(hi, want_hi)


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.floats(-1e6, 1e6) | st.sampled_from([0.5, 2.0 + 1e-10, float("nan")]), max_size=30),
    st.integers(0, 30),
)
def test_the_largest_rounding_is_numpy_s(values: list[float], n: int) -> None:
    """The check that a vertex is integral, compiled: numpy's largest distance from the
    nearest integer over the first ``n`` entries, and NaN (never integral) when one is."""
    v = np.array(values, dtype=np.float64)
    n = min(n, v.size)
    got = largest_rounding(v, n)
    want = float(np.abs(v[:n] - np.rint(v[:n])).max()) if n else 0.0
    assert got == want or (np.isnan(got) and np.isnan(want))


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.floats(-1e6, 1e6) | st.sampled_from([0.5, 2.0 + 1e-10, float("nan")]), max_size=30),
    st.integers(0, 30),
)
def test_the_fractional_columns_are_numpy_s(values: list[float], n: int) -> None:
    """A vertex's fractional columns, compiled: numpy's columns among the first ``n`` farther
    than the tolerance from their nearest integer, NaN among them, in order."""
    v = np.array(values, dtype=np.float64)
    n = min(n, v.size)
    got = fractional_columns(v, n, 1e-6)
    want = np.flatnonzero(~(np.abs(v[:n] - np.rint(v[:n])) <= 1e-6))
    assert got.dtype == np.int64
    assert np.array_equal(got, want)


@settings(deadline=None, max_examples=200)
@given(
    st.lists(
        st.floats(-1e6, 1e6)
        | st.sampled_from([0.0, -0.0, 3.0, 1.0 - 1e-9, 2.5, -0.5, float("nan")]),
        max_size=30,
    )
)
def test_a_vertex_rounded_in_place_is_numpy_s_and_goes_back(values: list[float]) -> None:
    """`round_in_place`: the vertex becomes ``np.rint``'s, to the bit (-0.0 and NaN
    included), and the entries it moved, put back, give the vertex as it was, to the bit."""
    v = np.array(values, dtype=np.float64)
    before = v.copy()
    at, was = round_in_place(v)
    assert np.rint(before).tobytes() == v.tobytes()
    assert at.dtype == np.int64
    v[at] = was
    assert before.tobytes() == v.tobytes()


def _resident_mb() -> float:
    with open("/proc/self/statm") as held:
        return int(held.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_bounds_already_where_the_face_fixes_them_are_not_written() -> None:
    """After tier 1 nearly every class pair is fixed at 0, which its lower bound already is:
    the pass leaves such pages as the kernel's zero pages instead of writing 0 over 0 (64 MB
    of fresh zeros here stay unwritten; written, they would be resident)."""
    n = 4_000_000
    lo, hi, x = np.zeros(n), np.zeros(n), np.zeros(n)  # fresh zeros: no page resident yet
    rc = np.ones(n)
    before = _resident_mb()
    priced_columns_at_bounds(rc, None, x, lo, hi, n, 1e-7, SNAP, True)
    assert _resident_mb() - before < 16
    assert not lo.any()
    assert not hi.any()


def test_an_integral_vertex_that_breaks_a_row_is_left_as_the_lp_gave_it() -> None:
    """`solver.tiers.integral_vertex` rounds the LP's vertex in place: when the rounded point
    breaks a row, the LP's values are put back and there is no integral vertex; when it holds,
    it is the LP solution's own array, rounded, and ``put_back`` restores the LP's values."""
    import scipy.sparse as sp

    from solver.backends import LinearModel, LpSolution, Outcome
    from solver.tiers import integral_vertex

    def lp(row_hi: float) -> LinearModel:  # x0 + x1 <= row_hi, each in [0, 1]
        return LinearModel(
            col_lo=np.zeros(2),
            col_hi=np.ones(2),
            integer=np.zeros(2, dtype=bool),
            matrix=sp.csr_matrix(np.array([[1.0, 1.0]])),
            row_lo=np.array([-np.inf]),
            row_hi=np.array([row_hi]),
        )

    x = np.array([1.0 - 1e-9, 1.0 - 1e-9])
    sol = LpSolution(Outcome.OPTIMAL, x=x.copy())
    assert integral_vertex(lp(1.9999999), sol, 2) is None  # rounded: 2 > 1.9999999
    assert sol.x is not None
    assert sol.x.tobytes() == x.tobytes()
    vertex = integral_vertex(lp(2.0), sol, 2)
    assert vertex is not None
    assert vertex.x is sol.x
    assert sol.x.tolist() == [1.0, 1.0]
    vertex.put_back()
    assert sol.x.tobytes() == x.tobytes()
