"""`solver.near_face`'s passes over every column and every matrix entry, read in place.

Keeping a tier near its LP face reads each column's value, reduced cost and bounds, and each
entry of the matrix.  In numpy those passes held full-length temporaries: ``np.isclose`` of
the vertex against its rounding alone held about four float arrays at once, and the test of
the matrix's values for integers a float copy of them (8 bytes a class pair, and 4 an entry).
Hard XL seed 16, whose tier is proven below its LP optimum, peaked there at 4,290 MB, over
the 4 GB target (docs/benchmarks-solver.md, thirty-third session).  These loops give the same
values, to the bit, and hold only what `keep_near_face` returns or writes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from solver.compiled_rows import MapArray

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
AnyInts = npt.NDArray[np.integer[Any]]  # a matrix's index arrays: int32 or int64
AnyFloats = npt.NDArray[np.floating[Any]]  # its values: float32 (a round's) or float64


@njit(cache=True, nogil=True)
def _reduced_cost(rc: FloatArray, cols: MapArray | None, j: int, k: int) -> tuple[float, int]:
    """Column ``j``'s reduced cost, read in a pass over the columns in order, and where the
    pass reads next (``k``).  ``rc`` is every column's, or (``cols``, ascending) the columns
    ``cols``' in their order, 0 at every other column (`solver.backends.LpSolution.priced`):
    an LP that priced only its free columns is read as it is, not expanded to full length
    (8 bytes a column beside the compact form, where hard XL seed 51 peaks)."""
    if cols is None:
        return rc[j], k
    if k < cols.size and cols[k] == j:
        return rc[k], k + 1
    return 0.0, k


@njit(cache=True, nogil=True)
def column_terms_signed(
    x: FloatArray,
    rc: FloatArray,
    cols: MapArray | None,
    lo: FloatArray,
    hi: FloatArray,
    tol: float,
    snap: float,
) -> bool:
    """Whether every column term ``rc_j (x_j - x*_j)`` is <= 0 for any x within the bounds:
    a reduced cost (``rc`` and ``cols`` as `_reduced_cost` reads them) below ``-tol`` only
    at the lower bound (within ``snap``), above ``tol`` only at the upper one."""
    k = 0
    for j in range(x.size):
        r, k = _reduced_cost(rc, cols, j, k)
        if r < -tol and not abs(x[j] - lo[j]) <= snap:
            return False
        if r > tol and not abs(x[j] - hi[j]) <= snap:
            return False
    return True


@njit(cache=True, nogil=True)
def columns_fixed_and_whole(
    x: FloatArray,
    rc: FloatArray,
    cols: MapArray | None,
    integer: BoolArray,
    lo: FloatArray,
    hi: FloatArray,
    limit: float,
    snap: float,
    fix: BoolArray,
    whole: BoolArray,
) -> None:
    """``fix``: the integer columns at an integer value (within ``snap``) whose reduced cost
    (``rc`` and ``cols`` as `_reduced_cost` reads them) exceeds ``limit`` in magnitude;
    ``whole``: the columns that move by whole units at integer points (integer, or fixed),
    with an integer lower bound."""
    k = 0
    for j in range(x.size):
        r, k = _reduced_cost(rc, cols, j, k)
        fixable = integer[j] and abs(x[j] - np.rint(x[j])) <= snap
        fix[j] = abs(r) > limit and fixable
        whole[j] = (integer[j] or lo[j] == hi[j]) and lo[j] == np.rint(lo[j])


@njit(cache=True, nogil=True)
def budget_coefficients(
    coef: FloatArray,
    rc: FloatArray,
    cols: MapArray | None,
    fix: BoolArray,
    lo: FloatArray,
    hi: FloatArray,
    tol: float,
    tiny: float,
) -> bool:
    """The budget row's coefficients written over ``coef`` (the small rows' duals times the
    matrix, ``A^T y``): each column's reduced cost (``rc`` and ``cols`` as `_reduced_cost`
    reads them) added where it exceeds ``tol`` in magnitude; 0 at a column fixed (``lo ==
    hi``, or ``fix``) and where at most ``tiny``.  Whether any is nonzero."""
    nonzero = False
    k = 0
    for j in range(coef.size):
        r, k = _reduced_cost(rc, cols, j, k)
        if lo[j] == hi[j] or fix[j]:
            coef[j] = 0.0
            continue
        c = (r if abs(r) > tol else 0.0) + coef[j]
        if abs(c) <= tiny:
            c = 0.0
        coef[j] = c
        if c != 0.0:
            nonzero = True
    return nonzero


@njit(cache=True, nogil=True)
def pin_columns(x: FloatArray, fix: BoolArray, lo: FloatArray, hi: FloatArray) -> None:
    """Each column of ``fix`` fixed at its value at ``x``, rounded to an integer."""
    for j in range(x.size):
        if fix[j]:
            v = np.rint(x[j])
            lo[j] = v
            hi[j] = v


@njit(cache=True, nogil=True)
def rows_off_integers(
    indptr: AnyInts, indices: AnyInts, data: AnyFloats, whole: BoolArray, nrows: int
) -> BoolArray:
    """The rows of a CSC matrix that hold a value that is not an integer, or an entry of a
    column that is not ``whole``."""
    bad = np.zeros(nrows, dtype=np.bool_)
    for c in range(indptr.size - 1):
        for p in range(indptr[c], indptr[c + 1]):
            v = data[p]
            if not whole[c] or v != np.rint(v):
                bad[indices[p]] = True
    return bad


def warm_up() -> None:
    """Compile (or load) the passes for one column, and the matrix's for float32 and float64
    values (`solver.compiled_layout` lays a round's out in float32), before a round needs them:
    a tier proven below its LP optimum is rare, and the warm-up round never reaches one."""
    one, flag = np.zeros(1), np.zeros(1, dtype=np.bool_)
    for cols in (None, np.zeros(1, dtype=np.int32)):  # every column's reduced cost, or some
        column_terms_signed(one, one, cols, one, one, 0.0, 0.0)
        columns_fixed_and_whole(one, one, cols, flag, one, one, 0.0, 0.0, flag, flag)
        budget_coefficients(one.copy(), one, cols, flag, one, one, 0.0, 0.0)
    pin_columns(one, flag, one, one)
    ptr = np.zeros(2, dtype=np.int32)
    for data in (np.zeros(0, dtype=np.float32), np.zeros(0)):
        rows_off_integers(ptr, np.zeros(0, dtype=np.int32), data, flag, 1)
