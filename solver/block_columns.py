"""A block's columns: a range of its LP's columns, or, when they are not one, their list.

`solver.blocks` splits an LP into independent blocks.  The class pairs come cadre by cadre
(`solver.classes`) and a block is a cadre, so a round's blocks are ranges of columns: held as
a list, they cost 4 bytes a class pair from tier 1 through tier 2's pooled LPs, among hard
XL's highest phases (121 MB on seed 33, 30.3 M class pairs); held as a range, nothing.  Any
other block (a cadre split by its rows, or columns left loose inside it) keeps its list.

Every reader goes through the methods below, so none needs to know which form it has: the
LP's arrays are read at `index` (a view for a range), a block's own column positions map to
the LP's by `in_lp`, and the LP's to the block's by `positions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from solver.compiled_layout import ColumnArray

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Values = TypeVar("Values", bound=npt.NDArray[Any])


@dataclass(frozen=True)
class BlockColumns:
    """Columns ``first`` to ``first + size`` (excluded) of an LP, or ``listed`` (ascending)."""

    first: int
    size: int
    listed: ColumnArray | None = None
    """The columns, when they are not a range (int32, as the matrix's own indices)."""

    @staticmethod
    def of(cols: npt.NDArray[np.integer[Any]]) -> BlockColumns:
        """The block of ``cols`` (ascending): a range when they are one, else a list of its
        own (a copy: the array they were cut from is not held)."""
        if cols.size == 0:
            return BlockColumns(0, 0)
        first, last = int(cols[0]), int(cols[-1])
        if last - first + 1 == cols.size:
            return BlockColumns(first, int(cols.size))
        return BlockColumns(first, int(cols.size), cols.astype(np.int32))

    @property
    def is_range(self) -> bool:
        return self.listed is None

    @property
    def index(self) -> slice | ColumnArray:
        """Where the block's columns sit in an LP-length array: ``values[index]`` is a view
        for a range, a copy otherwise; ``out[index] = ...`` writes the block's part."""
        if self.listed is None:
            return slice(self.first, self.first + self.size)
        return self.listed

    def take(self, values: Values) -> Values:
        """``values`` at the block's columns: read in place for a range (nothing writes
        into a block's LP), a copy otherwise."""
        return values[self.index]  # type: ignore[return-value]

    def array(self) -> ColumnArray:
        """The columns as an array (a new one for a range): for tests and small readers."""
        if self.listed is None:
            return np.arange(self.first, self.first + self.size, dtype=np.int32)
        return self.listed

    def in_lp(self, local: npt.NDArray[np.integer[Any]]) -> ColumnArray:
        """The LP's columns of the block's columns ``local`` (positions in the block), int32
        as the matrix's own indices."""
        if self.listed is None:
            return (np.asarray(local, dtype=np.int64) + self.first).astype(np.int32)
        out: ColumnArray = self.listed[local]
        return out

    def positions(self, wanted: IntArray) -> IntArray:
        """The positions in the block of those of the LP's columns ``wanted`` it holds, in
        ``wanted``'s order."""
        if self.listed is None:
            at = wanted - self.first
            return at[(at >= 0) & (at < self.size)].astype(np.int64)
        at = np.searchsorted(self.listed, wanted)
        inside = at < self.size
        inside[inside] = self.listed[at[inside]] == wanted[inside]
        return at[inside].astype(np.int64)

    def part(self, start: npt.NDArray[Any]) -> FloatArray:
        """The block's part of ``start`` (an LP-length point, or shorter: 0 beyond it)."""
        out = np.zeros(self.size)
        if self.listed is None:
            inside = min(self.size, max(0, start.size - self.first))
            out[:inside] = start[self.first : self.first + inside]
            return out
        inside = int(np.searchsorted(self.listed, start.size))
        out[:inside] = start[self.listed[:inside]]
        return out
