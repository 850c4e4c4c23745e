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
        sub = lp.matrix[fill_rows].tocsc()  # every column's entries in the fill rows
        per = np.diff(sub.indptr)
        per[z] = 0
        if per.size and per.max() > 1:
            raise ValueError(f"column {int(np.argmax(per))} counts in more than one fill row")
        cols = np.flatnonzero(per)
        first = sub.indptr[cols]
        values = sub.data[first]
        if values.size and (values != values[0]).any():
            raise ValueError("the columns count in their fill rows with unequal coefficients")
        row_of = np.zeros(lp.ncols, dtype=np.int16)
        row_of[cols] = sub.indices[first] + 1
        return cls(row_of, float(values[0]) if values.size else 0.0, int(fill_rows.size))

    def filled(self, x: Start) -> FloatArray:
        """Each fill row's activity at ``x`` without z (``rows @ x`` with z at 0); a short
        ``x`` (the class pairs') has the columns after it at 0."""
        per_row = np.bincount(self.row_of[: x.size], weights=x, minlength=self.count + 1)[1:]
        return np.asarray(self.coefficient * per_row, dtype=np.float64)

    def weighted(self, weights: FloatArray) -> FloatArray:
        """Every column's cost under ``weights`` on the fill rows (``rows.T @ weights``, z's
        cost 0)."""
        by_row = np.concatenate([[0.0], self.coefficient * np.asarray(weights, dtype=np.float64)])
        out: FloatArray = by_row[self.row_of]
        return out
