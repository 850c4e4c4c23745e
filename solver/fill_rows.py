"""Tier 2's fill rows by column: which row each column counts in, for the bounds of tier 2.

Tier 2's rows are ``1000 filled(t) - requested(t) z >= 0``, one per servable destination t
(MATCHING.md section 4, `solver.constraints.min_fill`): every class pair counts, with the same
coefficient, in the row of its destination and no other, and z in all of them.  Tier 2's bounds
(`solver.pooled`) read those rows over and over with z fixed at 0: each LP's fills
(``rows @ x``) and each weighted LP's objective (``rows.T @ weights``).  `FillRows` holds them
as one small integer a column (the row it counts in) and their shared coefficient, cut once
per round, where a CSR copy of the rows took 12 bytes a column and was cut again for every
bound (hard XL: 20.8 M columns; docs/benchmarks-solver.md, twenty-fifth session).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from solver.backends import LinearModel, Start

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
RowOf = npt.NDArray[np.int16]


@dataclass(frozen=True)
class FillRows:
    """The fill rows of an LP, z left out: each column's row, shifted by one (0: none)."""

    row_of: RowOf
    """Each column's fill row plus one (an index into ``[none, row 0, row 1, ...]``)."""
    coefficient: float
    """The coefficient every column has in its fill row."""
    count: int
    """How many fill rows."""

    @classmethod
    def of(cls, lp: LinearModel, fill_rows: IntArray, z: int) -> FillRows:
        """The fill rows ``fill_rows`` of ``lp``, z's column (``z``) left out.

        Raises ValueError when a column other than z counts in two fill rows, or two columns
        count with different coefficients: the rows are not tier 2's."""
        if fill_rows.size >= np.iinfo(np.int16).max:
            raise ValueError(f"{fill_rows.size} fill rows: more than a row index of int16 holds")
        position = np.full(lp.nrows, -1, dtype=np.int16)  # each row's place among fill_rows
        position[fill_rows] = np.arange(fill_rows.size)
        row_of = np.zeros(lp.ncols, dtype=np.int16)
        matrix = lp.matrix
        twice, unequal, coefficient = _rows_of_columns(
            matrix.indptr, matrix.indices, matrix.data, position, z, row_of
        )
        if twice >= 0:
            raise ValueError(f"column {twice} counts in more than one fill row")
        if unequal >= 0:
            raise ValueError("the columns count in their fill rows with unequal coefficients")
        return cls(row_of, coefficient, int(fill_rows.size))

    def filled(self, x: Start) -> FloatArray:
        """Each fill row's activity at ``x`` without z (``rows @ x`` with z at 0); a short
        ``x`` (the class pairs') has the columns after it at 0."""
        per_row = _totals_by_row(self.row_of, x, self.count + 1)[1:]
        return np.asarray(self.coefficient * per_row, dtype=np.float64)

    def weighted(self, weights: FloatArray) -> FloatArray:
        """Every column's cost under ``weights`` on the fill rows (``rows.T @ weights``, z's
        cost 0)."""
        by_row = np.concatenate([[0.0], self.coefficient * np.asarray(weights, dtype=np.float64)])
        out: FloatArray = by_row[self.row_of]
        return out


@njit(cache=True, nogil=True)
def _totals_by_row(row_of: RowOf, x: Start, bins: int) -> FloatArray:
    """``x`` summed by ``row_of`` (``row_of[: x.size]``) in float64, in the columns' order as
    ``np.bincount`` sums it, without its int64 copy of the rows and float64 copy of ``x``
    (hard XL: 0.12 s a call; docs/benchmarks-solver.md, thirty-first session).  The same loop
    as `solver.compiled_values.totals_by`, which sums integer flows exactly in int64; an LP's
    point here is fractional, so its sums are float64."""
    out = np.zeros(bins)
    for j in range(x.size):
        out[row_of[j]] += x[j]
    return out


@njit(cache=True, nogil=True)
def _rows_of_columns(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    position: RowOf,
    z: int,
    row_of: RowOf,
) -> tuple[int, int, float]:
    """Each column's fill row (``position`` of its row, plus one) written into ``row_of``, z's
    column left out, in one pass over the matrix's entries (scipy's row slice and the index
    arrays around it took some 40 bytes a column for a moment, as hard XL's round peaked:
    docs/benchmarks-solver.md, twenty-sixth session).  Returns the first column in two fill
    rows (or twice in one), the first whose coefficient differs from the first column's (-1:
    none), and that coefficient (0 without any)."""
    twice = -1
    unequal = -1
    coefficient = 0.0
    seen = False
    for j in range(indptr.size - 1):
        if j == z:
            continue
        found = 0
        for p in range(indptr[j], indptr[j + 1]):
            k = position[indices[p]]
            if k < 0:
                continue
            found += 1
            row_of[j] = k + 1
            v = float(data[p])
            if not seen:
                coefficient, seen = v, True
            elif v != coefficient and unequal < 0:
                unequal = j
        if found > 1 and twice < 0:
            twice = j
    return twice, unequal, coefficient
