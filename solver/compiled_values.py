"""A tier's value at an integer class-pair solution, without a full-length temporary.

`solver.model.RoundModel.tier_value` is asked for every candidate solution the tier engine
weighs and again by the round: in numpy each value made a full-length product (or, for the
fills, a float64 copy of x), 8 bytes a class pair, while hard XL's round holds the most it
ever does (docs/benchmarks-solver.md, twenty-sixth session).  These loops sum in int64 as the
products did.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.signedinteger[Any]]
IntArray = npt.NDArray[np.int64]


@njit(cache=True, nogil=True)
def weighted_total(weight: Ints, x: IntArray) -> int:
    """``sum(weight * x)`` in int64."""
    total = 0
    for p in range(x.size):
        total += np.int64(weight[p]) * x[p]
    return total


@njit(cache=True, nogil=True)
def tie_break_total(months: Ints, prefs: Ints, x: IntArray) -> int:
    """``sum((3 months - prefs) x)`` in int64: tier 4's tie-break."""
    total = 0
    for p in range(x.size):
        total += (3 * np.int64(months[p]) - np.int64(prefs[p])) * x[p]
    return total


@njit(cache=True, nogil=True)
def totals_by(group: Ints, x: IntArray, count: int) -> IntArray:
    """``x`` summed by ``group`` (``count`` groups), in int64."""
    out = np.zeros(count, dtype=np.int64)
    for p in range(x.size):
        out[group[p]] += x[p]
    return out
