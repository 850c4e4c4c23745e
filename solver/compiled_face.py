"""A tier's LP vertex read in place: whether it is integral, and its face kept on the columns.

Every column whose reduced cost is nonzero sits at one of its bounds in every optimum of the
LP, so keeping a tier's face fixes each such column there.  Right after tier 1 almost every
class pair has a nonzero reduced cost; in numpy the pass cut the indices, both bounds and x
for all of them, and a mask per bound: some 40 bytes a class pair at once, 830 MB on hard XL
(docs/benchmarks-solver.md, twenty-sixth session).  These loops read the arrays as they are;
so does the check that a vertex is integral (`largest_rounding`), whose numpy form held three
full-length arrays at once, where hard XL then peaked, and the search for a vertex's
fractional columns (`fractional_columns`, `solver.rounding.round_on_face`), and the
rounding of an integral vertex, in place (`round_in_place`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from solver.compiled_rows import MapArray

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@njit(cache=True, nogil=True)
def _bound_met(v: float, lo: float, hi: float, snap: float) -> int:
    """0 when ``v`` lies within ``snap`` of ``lo``, 1 within ``snap`` of ``hi``, else -1."""
    if abs(v - lo) <= snap:
        return 0
    if abs(v - hi) <= snap:
        return 1
    return -1


@njit(cache=True, nogil=True)
def priced_columns_at_bounds(
    rc: FloatArray,
    cols: MapArray | None,
    x: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    n: int,
    tol: float,
    snap: float,
    fix: bool,
) -> bool:
    """Whether each of the first ``n`` columns whose reduced cost exceeds ``tol`` in
    magnitude sits (within ``snap``) at one of its bounds at ``x``; with ``fix``, each such
    column is also fixed at the bound it meets (its lower one when it meets both), which
    `solver.tiers.keep_face` asks only once a pass without ``fix`` said yes (so no bound is
    written unless all are).  ``rc`` is every column's, or (``cols``, ascending) the columns
    ``cols``' in their order, each other column without one
    (`solver.backends.LpSolution.priced`).

    A bound already there is not written: after tier 1 nearly every class pair is fixed at 0,
    and writing 0 over ``lo``'s zeros would fault in every page of an array the kernel holds
    as zero pages (8 bytes a column resident from tier 1 on; docs/benchmarks-solver.md,
    thirty-fourth session)."""
    for k in range(n if cols is None else cols.size):
        j = k if cols is None else cols[k]
        if j >= n:
            break
        if not abs(rc[k]) > tol:
            continue
        met = _bound_met(x[j], lo[j], hi[j], snap)
        if met < 0:
            return False
        if fix:
            at = lo[j] if met == 0 else hi[j]
            if lo[j] != at:
                lo[j] = at
            if hi[j] != at:
                hi[j] = at
    return True


@njit(cache=True, nogil=True)
def round_in_place(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """``x`` rounded to the nearest integers in place (``np.rint``'s values, to the bit), and
    the entries it moved with their values before, to put back (``x[at] = was``).

    A vertex is mostly exact integers, so only a few entries move: a rounded copy instead
    (``np.rint(x)``) was 8 bytes a column, held beside the vertex through its checks and
    `keep_face`, where hard XL seed 33 peaked at tier 3 (docs/benchmarks-solver.md,
    thirty-eighth session)."""
    count = 0
    for j in range(x.size):
        if x[j] != np.rint(x[j]):
            count += 1
    at = np.empty(count, dtype=np.int64)
    was = np.empty(count)
    k = 0
    for j in range(x.size):
        r = np.rint(x[j])
        if x[j] != r:
            at[k] = j
            was[k] = x[j]
            x[j] = r
            k += 1
    return at, was


@njit(cache=True, nogil=True)
def fractional_columns(v: FloatArray, n: int, tol: float) -> IntArray:
    """The first ``n`` entries of ``v`` farther than ``tol`` from their nearest integer, in
    order (a NaN counts as one)."""
    count = 0
    for j in range(n):
        if not abs(v[j] - np.rint(v[j])) <= tol:
            count += 1
    out = np.empty(count, dtype=np.int64)
    k = 0
    for j in range(n):
        if not abs(v[j] - np.rint(v[j])) <= tol:
            out[k] = j
            k += 1
    return out


@njit(cache=True, nogil=True)
def largest_rounding(v: FloatArray, n: int) -> float:
    """The largest distance of one of the first ``n`` entries of ``v`` from its nearest
    integer (NaN when one is NaN)."""
    largest = 0.0
    for j in range(n):
        gap = float(abs(v[j] - np.rint(v[j])))
        if gap != gap:
            return gap  # NaN: no integer vertex
        largest = max(largest, gap)
    return largest


def warm_up() -> None:
    """`fractional_columns`, `round_in_place` and the face's passes over reduced costs priced
    at some columns alone run once, so that numba loads them from its disk cache (or compiles
    them) before a round needs them: `solver.round.warm_up` calls this, as its one-pair round
    never reaches them."""
    fractional_columns(np.array([0.5]), 1, 1e-6)
    round_in_place(np.array([0.0, 1.0 - 1e-9]))
    # a face kept by reduced costs priced at some columns alone (`LpSolution.priced`)
    one, at = np.ones(1), np.zeros(1, dtype=np.int32)
    priced_columns_at_bounds(one, at, one, one.copy(), one.copy(), 1, 0.0, 0.0, True)
