"""The model's rows laid out by columns in place: the matrix a round holds, with no copy by rows.

The constraint builders (`solver.constraints`) write rows, and the round holds its matrix by
columns (`solver.backends.LinearModel`).  Gathering the rows into one matrix by rows and
converting it held three copies of every entry at once: the builders' pieces, their
concatenation, and the matrix by columns.  On hard XL's 82 M entries that was 2.4 GB above
what the round keeps, the build's peak higher than any tier's (docs/benchmarks-solver.md,
twenty-sixth session).

Here each column's entries are counted over the builders' pieces (`count_columns`), which
fixes where each column starts, and each piece's entries are then written straight into their
column's place (`place_rows`).  Pieces come in row order and each lists its rows in order, so
each column's row indices come out ascending: the same arrays, entry for entry, as scipy's
conversion gave.  `solver.threads.THREADS` threads write them, each the columns of an equal
share of the entries: the writes fault in the matrix's fresh pages, and the kernel serves
the threads at once.

A round's coefficients are integers (ones, benefits, requested positions, caps): when all of
them are exact in float32 (`value_type`), the values are held as float32, 4 bytes an entry
less (328 MB on hard XL, and as much again over the blocks' copies).  Products with the
matrix are taken in float64 without a float64 copy (`solver.compiled_rows.times`), so every
sum is the same to the bit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numba import njit

from solver.threads import THREADS, each

IntArray = npt.NDArray[np.int64]
Values = npt.NDArray[np.floating[Any]]
"""A piece's values: float64, or float32 when its builder knows them exact there."""
Pointers = npt.NDArray[np.signedinteger[Any]]
"""Column pointers and places: int32 when every index fits (`csc_of`), else int64."""
ColumnArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def count_columns(counts: Pointers, cols: ColumnArray) -> None:
    """Add one to ``counts[j + 1]`` for each entry of column j in ``cols``."""
    for j in cols:
        counts[j + 1] += 1


@njit(cache=True, nogil=True)
def place_rows(
    free: Pointers,
    out_rows: ColumnArray,
    out_values: Values,
    cols: ColumnArray,
    lengths: IntArray,
    first_row: int,
    values: Values,
    constant: bool,
    columns: tuple[int, int],
) -> None:
    """Write the entries in ``columns`` (a range, low included) of rows ``first_row``,
    ``first_row + 1``, ... (``lengths[i]`` entries each, one after another in ``cols`` and
    ``values``; every value ``values[0]`` when ``constant``) into their columns' next free
    places (``free``, advanced as they fill)."""
    low, high = columns
    p = 0
    for i in range(lengths.size):
        row = first_row + i
        for _ in range(lengths[i]):
            j = cols[p]
            if low <= j < high:
                at = free[j]
                out_rows[at] = row
                out_values[at] = values[0] if constant else values[p]
                free[j] = at + 1
            p += 1


EXACT_IN_FLOAT32 = 2**24
"""Integers up to this magnitude are exact in float32 (its 24-bit significand)."""


def exact_type(values: Values | float) -> type[np.floating[Any]]:
    """float32 when every one of ``values`` is an integer of magnitude at most
    `EXACT_IN_FLOAT32`, so that float32 holds each exactly; float64 otherwise."""
    v = np.asarray(values)
    if v.size and not (np.abs(v).max() <= EXACT_IN_FLOAT32 and (v == np.rint(v)).all()):
        return np.float64
    return np.float32


def value_type(
    pieces: list[tuple[IntArray, ColumnArray, Values | float]],
) -> type[np.floating[Any]]:
    """float32 when every coefficient is exact there (`exact_type`); float64 otherwise."""
    for _, cols, values in pieces:
        if cols.size and exact_type(values) is np.float64:
            return np.float64
    return np.float32


def csc_of(
    pieces: list[tuple[IntArray, ColumnArray, Values | float]], nrows: int, ncols: int
) -> sp.csc_matrix:
    """The matrix (``nrows`` x ``ncols``) of rows given as pieces in row order, each
    ``(lengths, cols, values)``: ``lengths.size`` rows whose entries follow each other in
    ``cols`` and ``values`` (one number: all entries alike); its values in float32 when
    that holds them exactly (`value_type`)."""
    first = 0
    for lengths, cols, values in pieces:
        if cols.size and (int(cols.min()) < 0 or int(cols.max()) >= ncols):
            raise ValueError(f"rows from {first} on: a column index outside [0, {ncols})")
        if int(lengths.sum()) != cols.size or (
            not isinstance(values, float) and values.size != cols.size
        ):
            raise ValueError(f"rows from {first} on: lengths, indices and values disagree")
        first += int(lengths.size)
    if first != nrows:
        raise ValueError(f"{first} rows given for {nrows}")
    nnz = sum(int(cols.size) for _, cols, _ in pieces)
    # int32 from the start when every index fits: an int64 pointer and its copy for the
    # places (`free`), then an int32 copy of it, held 20 bytes a column more at the build's
    # peak (hard XL seed 25: 29.2 M columns; docs/benchmarks-solver.md, thirty-fourth session)
    small = max(nnz, nrows, ncols) < np.iinfo(np.int32).max
    indptr: Pointers = np.zeros(ncols + 1, dtype=np.int32 if small else np.int64)
    for _, cols, _ in pieces:
        count_columns(indptr, cols)
    np.cumsum(indptr, out=indptr)
    out_rows = np.empty(nnz, dtype=np.int32)
    out_values = np.empty(nnz, dtype=value_type(pieces))
    free = indptr[:-1].copy()
    # each thread writes the columns of an equal share of the entries: the writes fault in
    # the matrix's fresh pages, which the kernel serves to the threads at once
    cuts = [0, *(int(np.searchsorted(indptr, nnz * k // THREADS)) for k in range(1, THREADS))]
    shares = list(zip(cuts, [*cuts[1:], ncols], strict=True))

    def place(free: Pointers, columns: tuple[int, int]) -> None:
        first = 0
        for lengths, cols, values in pieces:
            constant = isinstance(values, float)
            # as held (float32 or float64): a float64 copy per thread otherwise
            row_values = np.array([values]) if constant else np.asarray(values)
            place_rows(
                free, out_rows, out_values, cols, lengths, first, row_values, constant, columns
            )
            first += int(lengths.size)

    each(partial(place, free), shares)
    del free
    return sp.csc_matrix((out_values, out_rows, indptr), shape=(nrows, ncols))
