"""The eligible class pairs written into the round's arrays, in class order, with their fields.

`solver.classes.enumerate_pairs` scans each cadre's deposit classes in chunks
(`solver.compiled_rules.scan_block`), and each chunk yields its eligible pairs as columns and
language gaps, row by row.  The round wants them as one set of arrays ordered by (deposit
class, withdrawal class) over all cadres, whose classes interleave.  A deposit class's pairs all
come from one chunk, so once every chunk is scanned, each class's place in the arrays is known
from the counts (`offsets`), and `place_chunk` copies each row's pairs straight there, computing
their fields on the way: nothing is concatenated or sorted.  On hard XL's 20.8 M pairs this
replaced per-chunk gathers, a concatenation, a stable sort and a gather of every field
(docs/benchmarks-solver.md, sixteenth session).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

IntArray = npt.NDArray[np.int64]
ClassArray = npt.NDArray[np.uint16] | npt.NDArray[np.int32]
"""Class indices, one a pair: uint16 when each side has at most 2**16 classes (`class_type`),
else int32 (a round has fewer classes than postings, far below 2**31)."""
PrefArray = npt.NDArray[np.int8]
"""Stated preferences a pair meets (0-2)."""
AmountArray = npt.NDArray[np.int16] | npt.NDArray[np.int32] | npt.NDArray[np.int64]
"""Whole dollars or months, one a pair: as small as the round's largest allows (`amount_type`)."""
AMOUNT_INT16_MAX = (2**15 - 1) // 4
"""The largest amount held as int16: its small multiples (the tie-break's three training
months a month) stay within int16 too."""
AMOUNT_INT32_MAX = (2**31 - 1) // 4
"""The largest amount held as int32, with the same margin."""


def amount_type(largest: int) -> type[np.signedinteger[Any]]:
    """int16 for amounts (nonnegative) up to ``largest`` when it is at most `AMOUNT_INT16_MAX`,
    int32 when at most `AMOUNT_INT32_MAX`, else int64: the policy bounds neither benefits nor
    training months, but real rounds' are far below, and hard XL holds up to 30 M pairs of
    each (docs/benchmarks-solver.md, twenty-sixth and thirty-fourth sessions)."""
    if largest <= AMOUNT_INT16_MAX:
        return np.int16
    return np.int32 if largest <= AMOUNT_INT32_MAX else np.int64


def class_type(classes: int) -> type[np.unsignedinteger[Any] | np.signedinteger[Any]]:
    """uint16 for the class indices of a side of ``classes`` classes when they fit (hard XL
    has 50,000 a side: 4 bytes a pair less over its two sides, 117 MB on 29.2 M pairs), else
    int32 (docs/benchmarks-solver.md, thirty-fourth session)."""
    return np.uint16 if classes <= 2**16 else np.int32


class PairArrays(NamedTuple):
    """The round's eligible class pairs, one entry per pair (`solver.classes.Pairs`).

    11 bytes a pair on hard XL (uint16 classes, int32 benefits, int16 months, int8
    preferences), against 40 for five int64 arrays (over 1.1 GB on its 30 M class pairs); the
    classes are int32 beyond 2**16 a side, and benefit and months, which the policy does not
    bound, as wide as a round's largest needs (`amount_type`; docs/benchmarks-solver.md,
    twenty-fifth, twenty-sixth and thirty-fourth sessions)."""

    dep: ClassArray  # deposit class
    wd: ClassArray  # withdrawal class
    benefit: AmountArray  # benefit(d, w) per worker
    months: AmountArray  # language-training months
    prefs: PrefArray  # stated preferences the pair meets (0-2)


class ChunkFacts(NamedTuple):
    """What a chunk's pairs' fields are computed from: per row (the chunk's deposit classes),
    per column (the cadre's withdrawal classes) and per (origin, destination)."""

    dep: IntArray  # the row's deposit class
    origin: IntArray
    d_pref: IntArray  # (rows, countries): 1 where the row prefers the destination
    wd: IntArray  # the column's withdrawal class
    destination: IntArray
    w_benefit: IntArray
    w_pref: IntArray  # (columns, countries): 1 where the column prefers the origin
    agreement_benefit: IntArray  # (origin, destination): A*'s benefit, 0 without one
    months_per_level: int


def offsets(counts: IntArray, order: IntArray) -> IntArray:
    """Where each deposit class's pairs start, from the number each has, the classes laid
    out in ``order`` (a class not in it has no pairs: 0)."""
    start = np.zeros(counts.shape[0], dtype=np.int64)
    laid = np.zeros(order.size, dtype=np.int64)
    np.cumsum(counts[order][:-1], out=laid[1:])
    start[order] = laid
    return start


@njit(cache=True, nogil=True)
def place_chunk(
    f: ChunkFacts,
    row_end: IntArray,
    column: npt.NDArray[np.int32],
    gap: npt.NDArray[np.int16],
    start: IntArray,
    out: PairArrays,
) -> None:
    """Write a chunk's pairs (`solver.compiled_rules.ChunkPairs`) into ``out``, each row's at
    ``start[its deposit class]``, with their fields."""
    # the arrays out of their tuples once (see `solver.compiled_rules._scan`)
    dep, origin, d_pref, wd, destination = f.dep, f.origin, f.d_pref, f.wd, f.destination
    w_benefit, w_pref, agreement_benefit = f.w_benefit, f.w_pref, f.agreement_benefit
    per_level = f.months_per_level
    o_dep, o_wd, o_benefit, o_months, o_prefs = out.dep, out.wd, out.benefit, out.months, out.prefs
    p = 0
    for i in range(row_end.shape[0]):
        d, o = dep[i], origin[i]
        q = start[d]
        while p < row_end[i]:
            j = column[p]
            t = destination[j]
            o_dep[q] = d
            o_wd[q] = wd[j]
            o_benefit[q] = w_benefit[j] + agreement_benefit[o, t]
            o_months[q] = gap[p] * per_level
            o_prefs[q] = d_pref[i, t] + w_pref[j, o]
            p += 1
            q += 1
