"""A block of an LP read in place: its rows over its columns, without a copy of their entries.

An LP that falls into independent blocks (`solver.blocks`) is solved block by block, each
block's LP by column generation over its own rows and columns.  Each block's matrix used to be
cut from the LP's: on hard XL some 27 bytes a class pair, held from tier 1 through tier 2's
pooled LPs, where a round's memory peaks (docs/benchmarks-solver.md, twenty-sixth session).
A `BlockView` reads the LP's matrix through two maps instead: its column j is the matrix's
column ``col_of[j]``, and the matrix's row r its row ``row_of[r]`` (-1 for a row not in it).
A block whose columns are a range (a cadre's: `solver.block_columns`) has no column map: its
``indptr`` is the range's part of the matrix's, a view whose pointers still index the
matrix's own entries, so its column j is read as the matrix's column ``first + j``.
A block's columns have entries in its own rows and in rows that cannot bind (left out), so
one row map serves every block of a split.

Column generation reads a block's matrix three ways, each of which reads the maps: the
reduced costs (`solver.compiled_rows.transposed_times`), the best priced columns of each row
(`solver.compiled_rows.top_of_rows`), and the entries of the columns that join a master
(``view[:, cols]``, a matrix of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.block_columns import BlockColumns
from solver.compiled_rows import MapArray, gathered_columns


@dataclass(frozen=True)
class BlockView:
    """Rows and columns of ``matrix`` (CSC), numbered by the block."""

    matrix: sp.csc_matrix
    cols: BlockColumns
    """The block's columns in the matrix."""
    row_of: MapArray
    """Each of the matrix's rows in the block (-1: not in it)."""
    nrows: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.nrows, self.cols.size

    @property
    def col_of(self) -> MapArray | None:
        """The column map (`solver.compiled_rows.maps`): none for a range of columns."""
        return self.cols.listed

    @property
    def indptr(self) -> Any:
        cols = self.cols
        if cols.is_range:
            return self.matrix.indptr[cols.first : cols.first + cols.size + 1]
        return self.matrix.indptr

    @property
    def indices(self) -> Any:
        return self.matrix.indices

    @property
    def data(self) -> Any:
        return self.matrix.data

    def __getitem__(self, key: tuple[slice, npt.NDArray[np.integer[Any]]]) -> sp.csc_matrix:
        """``view[:, cols]``: the block's columns ``cols`` (in that order), a matrix of their
        own over the block's rows."""
        rows, cols = key
        if rows != slice(None):
            raise IndexError("a block's columns are taken whole: view[:, cols]")
        taken = self.cols.in_lp(np.asarray(cols, dtype=np.int64))
        indptr, indices, data = gathered_columns(
            self.matrix.indptr, self.matrix.indices, self.matrix.data, taken, self.row_of
        )
        return sp.csc_matrix((data, indices, indptr), shape=(self.nrows, taken.size))

    def tocsc(self) -> sp.csc_matrix:
        """The whole block as a matrix of its own (tests, and any reader without the maps)."""
        return self[:, np.arange(self.cols.size)]


def own_matrix(matrix: sp.spmatrix | BlockView) -> sp.spmatrix:
    """``matrix`` as a matrix of its own, for a reader without the maps (a solver's model)."""
    return matrix.tocsc() if isinstance(matrix, BlockView) else matrix
