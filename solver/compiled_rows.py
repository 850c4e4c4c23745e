"""Compiled passes over a sparse matrix's entries, for the steps column generation repeats.

Column generation asks, at every pricing round, for the best priced-out columns of each row
(`solver.columns.best_of_each_row`); every LP it may split into blocks asks which rows can
never bind and how the others fall into connected components (`solver.blocks`), and every
face the tier engine rounds on asks which rows can bind (`solver.rounding`).  Each is one pass
over the matrix's entries.
In numpy and scipy they took column slices, conversions, sorts, filtered copies of the matrix
and a graph: about 1.1 s of a hard L round, partly in the blocks' threads, whose GIL they held
(docs/benchmarks-solver.md, nineteenth session).  These loops read the matrix's arrays as they
are, and release the GIL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numba import njit

from solver.threads import THREADS, each

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")
MapArray = npt.NDArray[np.int32]
"""Indices into a matrix's columns or rows (int32, as scipy's own)."""
SPLIT_ABOVE = 2_000_000
"""Columns above which ``A^T y`` (`transposed_times`), ``A x`` (`times`) and the rows'
activity ranges (`activity_ranges`), asked from the main thread, are split over
`solver.threads.THREADS` threads, each over an equal share of the columns (`column_shares`):
every pricing round of hard XL's column generation (20.8 M columns, 0.15 s a product in one
thread, 0.08 s in two), every split of an LP into blocks and every vertex checked, while the
master's solver rests.  A block's thread, whose neighbour has the other core, keeps to one.
Each column's sum is the same; a row's may differ in its last bits (`times`)."""


@njit(cache=True, nogil=True)
def _beaten(held_val: float, held_col: int, v: float, j: int) -> bool:
    """Whether column ``j`` of score ``v`` ranks below the one held in a place (-1: none)."""
    return held_col >= 0 and (v < held_val or (v == held_val and j > held_col))


@njit(cache=True, nogil=True)
def top_of_rows(
    indptr: IntArray,
    indices: IntArray,
    cols: IntArray,
    score: FloatArray,
    k: int,
    nrows: int,
    col_of: MapArray | None,
    row_of: MapArray | None,
    aligned: bool = False,
) -> IntArray:
    """For each of the first ``nrows`` rows of a CSC matrix (``indptr``, ``indices``), the
    ``k`` columns of ``cols`` with the highest ``score`` among those with an entry in it, ties
    to the lowest column; -1 where a row has fewer.  A score of -inf (or NaN) is never taken.
    Column ``cols[i]``'s score is ``score[cols[i]]``, or with ``aligned`` ``score[i]`` (pricing
    holds reduced costs at the columns it reads alone).
    A block read in place (`solver.block_view`) passes its maps: its column j is the
    matrix's column ``col_of[j]``, and the matrix's row r its row ``row_of[r]`` (-1: none).

    Each row keeps its best ``k`` so far, sorted; a column not in a row's list enters it when
    it beats the last one there (a higher score, or an equal score and a lower index)."""
    best_val = np.full((nrows, k), -np.inf)
    best_col = np.full((nrows, k), -1, dtype=np.int64)
    for i in range(cols.size):
        j = cols[i]
        v = score[i] if aligned else score[j]
        if not v > -np.inf:
            continue
        c = j if col_of is None else col_of[j]
        for p in range(indptr[c], indptr[c + 1]):
            r = indices[p] if row_of is None else row_of[indices[p]]
            if r < 0 or r >= nrows or _beaten(best_val[r, k - 1], best_col[r, k - 1], v, j):
                continue
            held = False
            for q in range(k):
                held = held or best_col[r, q] == j
            if held:
                continue  # the column met twice (listed twice, or its entry stored twice)
            i = k - 1
            while i > 0 and not _beaten(best_val[r, i - 1], best_col[r, i - 1], v, j):
                best_val[r, i], best_col[r, i] = best_val[r, i - 1], best_col[r, i - 1]
                i -= 1
            best_val[r, i], best_col[r, i] = v, j
    return best_col


@njit(cache=True, nogil=True)
def _activity_ranges(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    nrows: int,
    first: int,
    last: int,
) -> tuple[FloatArray, FloatArray]:
    """Columns ``first`` to ``last`` (excluded) of `activity_ranges`."""
    lowest = np.zeros(nrows)
    highest = np.zeros(nrows)
    for j in range(first, last):
        lo_j = col_lo[j]
        hi_j = col_hi[j]
        for p in range(indptr[j], indptr[j + 1]):
            a = data[p]
            r = indices[p]
            if a > 0:
                lowest[r] += a * lo_j
                highest[r] += a * hi_j
            elif a < 0:
                lowest[r] += a * hi_j
                highest[r] += a * lo_j
    return lowest, highest


def activity_ranges(
    csc: sp.csc_matrix, col_lo: FloatArray, col_hi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Each row of a CSC matrix: the lowest and the highest activity any x within
    [``col_lo``, ``col_hi``] gives it (infinite when a bound it leans on is).  Entries that
    are explicitly zero add nothing (never 0 x inf).

    Split over the columns like `transposed_times` (`column_shares`): each share's row sums
    are added, so a row's sum is the same whenever its terms are integers below 2^53 (every
    round's: integer coefficients and bounds); otherwise it may differ in its last bits."""
    ncols = csc.indptr.size - 1
    cuts = column_shares(ncols)
    parts = each_share(
        lambda k: _activity_ranges(
            csc.indptr, csc.indices, csc.data, col_lo, col_hi, csc.shape[0], cuts[k], cuts[k + 1]
        ),
        len(cuts) - 1,
    )
    lowest, highest = parts[0]
    for lo, hi in parts[1:]:
        lowest += lo
        highest += hi
    return lowest, highest


@njit(cache=True, nogil=True)
def _root(parent: IntArray, r: int) -> int:
    """The representative of row ``r``'s set (paths halved on the way)."""
    while parent[r] != r:
        parent[r] = parent[parent[r]]
        r = parent[r]
    return r


@njit(cache=True, nogil=True)
def component_labels(
    indptr: IntArray, indices: IntArray, keep: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, int]:
    """The connected components of a CSC matrix's ``keep`` rows, rows joined by every column
    with entries in both: each row's component (-1 for a row not kept), each column's (-1 for
    one in no kept row), and how many there are.  Components are numbered by their first row.
    """
    nrows = keep.size
    ncols = indptr.size - 1
    parent = np.arange(nrows)
    for j in range(ncols):
        first = -1
        for p in range(indptr[j], indptr[j + 1]):
            r = indices[p]
            if not keep[r]:
                continue
            if first < 0:
                first = r
                continue
            a, b = _root(parent, first), _root(parent, r)
            if a != b:
                parent[max(a, b)] = min(a, b)
    label_of = np.full(nrows, -1, dtype=np.int64)
    row_label = np.full(nrows, -1, dtype=np.int64)
    count = 0
    for r in range(nrows):
        if keep[r]:
            root = _root(parent, r)
            if label_of[root] < 0:
                label_of[root] = count
                count += 1
            row_label[r] = label_of[root]
    col_label = np.full(ncols, -1, dtype=np.int64)
    for j in range(ncols):
        for p in range(indptr[j], indptr[j + 1]):
            if keep[indices[p]]:
                col_label[j] = row_label[indices[p]]
                break
    return row_label, col_label, count


@njit(cache=True, nogil=True)
def grouped(label: IntArray, count: int) -> tuple[IntArray, IntArray]:
    """The positions of ``label`` grouped by label (0 to ``count`` - 1; -1 left out), each
    group in ascending order, and where each group starts (``count`` + 1 bounds)."""
    bounds = np.zeros(count + 1, dtype=np.int64)
    for v in label:
        if v >= 0:
            bounds[v + 1] += 1
    for c in range(count):
        bounds[c + 1] += bounds[c]
    order = np.empty(bounds[count], dtype=np.int64)
    fill = bounds[:-1].copy()
    for i in range(label.size):
        v = label[i]
        if v >= 0:
            order[fill[v]] = i
            fill[v] += 1
    return order, bounds


@njit(cache=True, nogil=True)
def _transposed_product(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    y: FloatArray,
    col_of: MapArray | None,
    row_of: MapArray | None,
    out: FloatArray,
    first: int,
    last: int,
) -> None:
    """Columns ``first`` to ``last`` (excluded) of ``A^T y`` written into ``out``."""
    for j in range(first, last):
        c = j if col_of is None else col_of[j]
        out[j] = _column_times(indptr, indices, data, y, row_of, c)


@njit(cache=True, nogil=True, inline="always")
def _column_times(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    y: FloatArray,
    row_of: MapArray | None,
    c: int,
) -> float:
    """Column ``c``'s entries times ``y`` (read through a block's ``row_of``, -1: not its
    row), summed in the entries' order as scipy sums them.  Inlined into its callers: called,
    ``A^T y`` over hard XL's 20.8 M columns took 0.31-0.40 s against 0.23-0.24 s inline."""
    total = 0.0
    for p in range(indptr[c], indptr[c + 1]):
        if row_of is None:
            total += np.float64(data[p]) * y[indices[p]]
        elif row_of[indices[p]] >= 0:
            total += np.float64(data[p]) * y[row_of[indices[p]]]
    return total


@njit(cache=True, nogil=True)
def _reduced_of(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    y: FloatArray,
    cost: FloatArray,
    cols: MapArray,
    col_of: MapArray | None,
    row_of: MapArray | None,
    out: FloatArray,
    first: int,
    last: int,
) -> None:
    """``cost[j] - (A^T y)_j`` (``0.0 - ...`` for an empty ``cost``) written into ``out[k]``
    for the columns ``j = cols[k]`` of ``cols[first:last]``, each summed as
    `_transposed_product` sums it."""
    priced = cost.size > 0
    for k in range(first, last):
        j = cols[k]
        c = j if col_of is None else col_of[j]
        total = _column_times(indptr, indices, data, y, row_of, c)
        out[k] = (cost[j] if priced else 0.0) - total


def reduced_costs(
    csc: sp.csc_matrix, y: FloatArray, cost: FloatArray | None, cols: MapArray
) -> FloatArray:
    """``c - A^T y`` at the columns ``cols`` (``0 - A^T y`` for no ``c``), in their order:
    pricing over the columns an LP leaves free, where the others (fixed at 0 by the tiers'
    faces) cannot enter a master.  Each value is `transposed_times`' subtracted from the cost,
    to the bit; split over shares of ``cols`` like it.  Only ``cols``' values are held: a
    full-length vector written at them was 8 bytes a column of the LP made resident at every
    pricing round, and hard XL peaked in tier 4's LP holding one
    (docs/benchmarks-solver.md, thirty-ninth session)."""
    col_of, row_of = maps(csc)
    y = np.asarray(y, np.float64)
    out = np.empty(cols.size)
    c = _NO_COST if cost is None else cost
    cuts = column_shares(cols.size)

    def part(k: int) -> None:
        args = (csc.indptr, csc.indices, csc.data, y, c, cols, col_of, row_of)
        _reduced_of(*args, out, cuts[k], cuts[k + 1])

    each_share(part, len(cuts) - 1)
    return out


_NO_COST: FloatArray = np.zeros(0)


@njit(cache=True, nogil=True)
def gathered_columns(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    cols: MapArray,
    row_of: MapArray,
) -> tuple[IntArray, MapArray, FloatArray]:
    """The CSC arrays (indptr, row indices, values) of columns ``cols`` of a matrix, in that
    order, each keeping its entries in the rows ``row_of`` maps (``row_of[r]``: the row's
    new index, -1 to leave it out), in their order."""
    counts = np.zeros(cols.size + 1, dtype=np.int64)
    for k in range(cols.size):
        c = cols[k]
        for p in range(indptr[c], indptr[c + 1]):
            if row_of[indices[p]] >= 0:
                counts[k + 1] += 1
    out_ptr = np.cumsum(counts)
    out_rows = np.empty(out_ptr[-1], dtype=row_of.dtype)
    out_values = np.empty(out_ptr[-1], dtype=data.dtype)
    q = 0
    for k in range(cols.size):
        c = cols[k]
        for p in range(indptr[c], indptr[c + 1]):
            r = row_of[indices[p]]
            if r >= 0:
                out_rows[q] = r
                out_values[q] = data[p]
                q += 1
    return out_ptr, out_rows, out_values


@njit(cache=True, nogil=True)
def _product(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    x: FloatArray,
    nrows: int,
    first: int,
    last: int,
) -> FloatArray:
    """Columns ``first`` to ``last`` (excluded) of ``A x``."""
    out = np.zeros(nrows)
    for j in range(first, last):
        xj = x[j]
        for p in range(indptr[j], indptr[j + 1]):
            out[indices[p]] += np.float64(data[p]) * xj
    return out


def transposed_times(csc: sp.csc_matrix, y: FloatArray) -> FloatArray:
    """``A^T y`` in float64, in the order scipy sums it, for a matrix whose values are
    float32 (`solver.compiled_layout`) as for float64: scipy would first copy the values to
    float64, a transient of 8 bytes an entry (656 MB on hard XL) at every pricing round.
    A block read in place (`solver.block_view.BlockView`) is read through its maps."""
    col_of, row_of = maps(csc)
    y = np.asarray(y, np.float64)
    ncols = csc.indptr.size - 1 if col_of is None else col_of.size
    out = np.empty(ncols)
    cuts = column_shares(ncols)

    def part(k: int) -> None:
        args = (csc.indptr, csc.indices, csc.data, y, col_of, row_of)
        _transposed_product(*args, out, cuts[k], cuts[k + 1])

    each_share(part, len(cuts) - 1)
    return out


def column_shares(ncols: int) -> list[int]:
    """Where a pass over ``ncols`` columns is cut: into `solver.threads.THREADS` equal shares
    above `SPLIT_ABOVE` columns on the main thread, else one; a block's thread
    (`solver.blocks`) leaves the other core to the other block."""
    alone = threading.current_thread() is threading.main_thread()
    parts = THREADS if ncols > SPLIT_ABOVE and alone else 1
    return [ncols * k // parts for k in range(parts + 1)]


def each_share(work: Callable[[int], T], shares: int) -> list[T]:
    """``work(k)`` for each share k of `column_shares`, on threads when there are several."""
    if shares == 1:
        return [work(0)]
    return each(work, range(shares))


def maps(matrix: sp.csc_matrix) -> tuple[MapArray | None, MapArray | None]:
    """The column and row maps of a block read in place (`solver.block_view.BlockView`) into
    the matrix whose arrays it reads; none for a matrix of its own."""
    return getattr(matrix, "col_of", None), getattr(matrix, "row_of", None)


def times(csc: sp.csc_matrix, x: FloatArray) -> FloatArray:
    """``A x`` in float64 without a float64 copy of the matrix's values (`transposed_times`),
    in the order scipy sums it when one thread takes it; split over the columns like
    `activity_ranges`, each share's row sums added (the same sums where the terms are
    integers, as at the integral vertices the tier engine checks; otherwise the last bits may
    differ, and every caller compares activities within a tolerance)."""
    if any(m is not None for m in maps(csc)):
        raise TypeError("A x of a block read in place: take its columns (view[:, cols]) first")
    x = np.asarray(x, np.float64)
    cuts = column_shares(csc.indptr.size - 1)
    parts = each_share(
        lambda k: _product(
            csc.indptr, csc.indices, csc.data, x, csc.shape[0], cuts[k], cuts[k + 1]
        ),
        len(cuts) - 1,
    )
    out = parts[0]
    for part in parts[1:]:
        out += part
    return out


def warm_up() -> None:
    """Each loop run once on a tiny matrix built as the solver builds its own (scipy's
    int32 indices; float32 values, float64 ones once dense rows join; a block's int32 maps),
    so that numba loads it from its disk cache, or compiles it in a new checkout (about
    3 s), before a real round needs it.  `solver.round.warm_up`
    calls this: its one-pair round never generates columns nor splits an LP."""
    csr = sp.csr_matrix(np.array([[1.0, 0.0], [-1.0, 2.0]]))
    csc = csr.tocsc()
    lo, hi = np.zeros(2), np.ones(2)
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, None, None)
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, None, None, True)
    row_label, _, count = component_labels(csc.indptr, csc.indices, np.ones(2, dtype=np.bool_))
    grouped(row_label, count)
    both = np.arange(2, dtype=np.int32)  # a block read in place: maps into the matrix
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, both, both)
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, both, both, True)
    # a block of a range of columns: its rows mapped, its columns read through ``indptr``
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, None, both)
    top_of_rows(csc.indptr, csc.indices, np.arange(2, dtype=np.int64), hi, 1, 2, None, both, True)
    for values in (csc, csc.astype(np.float32)):  # a round's matrix, and what joins dense rows
        activity_ranges(values, lo, hi)
        transposed_times(values, hi)
        times(values, hi)
        out = np.empty(2)
        _transposed_product(values.indptr, values.indices, values.data, hi, both, both, out, 0, 2)
        _transposed_product(values.indptr, values.indices, values.data, hi, None, both, out, 0, 2)
        reduced_costs(values, hi, hi, both)  # a matrix of its own (a block's below)
        _reduced_of(values.indptr, values.indices, values.data, hi, hi, both, both, both, out, 0, 1)
        _reduced_of(values.indptr, values.indices, values.data, hi, hi, both, None, both, out, 0, 1)
        gathered_columns(values.indptr, values.indices, values.data, both, both)
