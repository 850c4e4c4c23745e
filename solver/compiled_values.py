"""A tier's value at an integer class-pair solution, without a full-length temporary.

`solver.model.RoundModel.tier_value` is asked for every candidate solution the tier engine
weighs and again by the round: in numpy each value made a full-length product (or, for the
fills, a float64 copy of x), 8 bytes a class pair, while hard XL's round holds the most it
ever does (docs/benchmarks-solver.md, twenty-sixth session).  These loops sum in int64 as the
products did; an LP's integral vertex is read as int64 a chunk at a time (`integer_chunks`).
The objective's step, the lattice a tier's values lie on (`coefficient_gcd`), is one pass
too (twenty-seventh session).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.integer[Any]]
IntArray = npt.NDArray[np.int64]
Flows = npt.NDArray[np.signedinteger[Any]]
"""A round's incumbent class-pair solution: int32 flows when no pair can carry 2**31 workers
or more (`flow_type`; every real round), 4 bytes a class pair where int64 held 8 through the
whole round (hard XL seed 1: 92 MB at its peak; docs/benchmarks-solver.md, thirtieth
session); int64 otherwise."""
Counts = Flows | npt.NDArray[np.float64]
"""A class-pair solution: integer flows (the incumbent's int32, a candidate's int64), or an
LP's integral vertex as it is (float64 holding integers), read as int64 a chunk at a time
(`integer_chunks`)."""
CHUNK = 1 << 20
"""Class pairs converted to int64 at once (8 MB): a vertex is not copied whole (8 bytes a
class pair, held as hard XL's round peaks)."""


def flow_type(largest: float) -> type[np.int32] | type[np.int64]:
    """The incumbent's integer type when no pair's flow can exceed ``largest``."""
    return np.int32 if largest < 2**31 else np.int64


def integer_chunks(x: Counts) -> Iterator[tuple[slice, Ints]]:
    """``x`` as integers, a chunk at a time with the class pairs it covers (one chunk, ``x``
    itself, when it holds integers already; else int64 chunks).  Raises ValueError on a value
    that is no integer."""
    if x.dtype in (np.int64, np.int32):
        yield slice(0, x.size), x  # type: ignore[misc]
        return
    for at in range(0, x.size, CHUNK):
        part = x[at : at + CHUNK]
        whole = part.astype(np.int64)
        if not np.array_equal(whole, part):
            raise ValueError("a tier's value is of an integer solution: x holds a fraction")
        yield slice(at, at + part.size), whole


@njit(cache=True, nogil=True)
def weighted_total(weight: Ints, x: Ints) -> int:
    """``sum(weight * x)`` in int64."""
    total = 0
    for p in range(x.size):
        total += np.int64(weight[p]) * x[p]
    return total


@njit(cache=True, nogil=True)
def tie_break_total(months: Ints, prefs: Ints, x: Ints) -> int:
    """``sum((3 months - prefs) x)`` in int64: tier 4's tie-break."""
    total = 0
    for p in range(x.size):
        total += (3 * np.int64(months[p]) - np.int64(prefs[p])) * x[p]
    return total


@njit(cache=True, nogil=True)
def totals_by(group: Ints, x: Ints, count: int) -> IntArray:
    """``x`` summed by ``group`` (``count`` groups), in int64."""
    out = np.zeros(count, dtype=np.int64)
    for p in range(x.size):
        out[group[p]] += x[p]
    return out


@njit(cache=True, nogil=True)
def largest_by(group: Ints, values: Ints, count: int) -> IntArray:
    """The largest of ``values`` by ``group`` (``count`` groups), at least 0, in int64: one
    pass, where ``np.maximum.at`` took 0.7 s over hard XL's pairs."""
    out = np.zeros(count, dtype=np.int64)
    for p in range(values.size):
        out[group[p]] = max(out[group[p]], np.int64(values[p]))
    return out


@njit(cache=True, nogil=True)
def coefficient_gcd(cost: npt.NDArray[np.float64]) -> int:
    """The greatest common divisor of ``cost``'s nonzero coefficients, 1 when one is not an
    integer (or none is nonzero): one pass, where numpy's held three float copies of an
    objective's nonzeros (24 bytes a class pair, as hard XL's round peaked after tier 3's LP)."""
    g = np.int64(0)
    for j in range(cost.size):
        c = abs(cost[j])
        if c == 0.0:
            continue
        if not c < 2.0**62 or c != np.floor(c):  # a fraction, NaN or beyond int64's reach
            return 1
        a, b = np.int64(c), g
        while b:
            a, b = b, a % b
        g = a
    return int(g) if g > 0 else 1


def warm_up() -> None:
    """Compile (or load) the value loops for both kinds of flows a round sums: the
    incumbent's int32 and a candidate's int64 (an integral vertex is read as int64 chunks),
    over what a round holds below 128 countries: int8 priorities and destinations, int16
    training months, int16 or int32 benefits (`solver.compiled_pairs.amount_type`).  Other
    types compile (or load) at their first round."""
    attribute = np.zeros(1, dtype=np.int8)
    months = np.zeros(1, dtype=np.int16)
    for flows in (np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int64)):
        for amounts in (attribute, months, np.zeros(1, dtype=np.int32)):
            weighted_total(amounts, flows)
        tie_break_total(months, np.zeros(1, dtype=np.int8), flows)
        totals_by(attribute, flows, 1)
