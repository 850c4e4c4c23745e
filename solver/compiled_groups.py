"""Class pairs grouped by a key of their attributes: the members of each side row, compiled.

Each row of C1 (one deposit or one withdrawal class), C2 (one origin, destination and cadre's
relocations), C3 (one origin and cadre's relocations), C4 (one origin and destination) and
tier 2's fill rows (one destination) sums the class pairs of one group.  A pair's key is read
from its attributes (int8 or int16 indices, uint16 or int32 classes) as a mixed-radix number,
``((a r1 + b) r2 + c)``, and a table says which group, if any, each key is.  Two passes over
the pairs then count each group's members and write each pair's index into its group's
place, so that every group's members come in increasing order, as a stable sort by key gave
them.

numpy did this by widening the attributes to int64 and sorting the whole round by key, then
splitting it: on hard XL (20.8 M class pairs) 4.0 s of the model's 9.8 s build, most of it
faulting in the fresh pages of its full-length temporaries (docs/benchmarks-solver.md,
thirtieth session).  Here nothing the length of the round is made but the members themselves.
(`solver.compiled_rows.grouped` groups positions the same way when their labels are already
an array; here each label is read through the table as it is needed.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.integer[Any]]
IntArray = npt.NDArray[np.int64]
Members = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

NO_MASK: BoolArray = np.zeros(0, dtype=bool)
"""The mask that keeps every pair (`group_members`)."""


@njit(cache=True, nogil=True)
def _key(parts: Any, radices: IntArray, i: int) -> int:
    """Pair ``i``'s key: its attributes in ``parts`` read as digits of the ``radices``."""
    k = 0
    for p in range(len(parts)):
        k = k * int(radices[p]) + int(parts[p][i])
    return k


@njit(cache=True, nogil=True)
def members_by_group(
    parts: Any, radices: IntArray, table: Members, mask: BoolArray
) -> tuple[Members, IntArray]:
    """The pairs of each group, one group after another: ``(members, starts)``, group g's
    members ``members[starts[g]:starts[g + 1]]`` in increasing order.

    ``parts`` is a tuple of per-pair attribute arrays of one dtype, read as the digits of a
    key (`_key`); ``table[key]`` is the key's group, or -1 for none.  Pairs that ``mask``
    marks False belong to no group (an empty mask marks none so)."""
    n = parts[0].size
    masked = mask.size > 0
    groups = 0
    for t in range(table.size):
        groups = max(groups, table[t] + 1)
    starts = np.zeros(groups + 1, dtype=np.int64)
    for i in range(n):
        if masked and not mask[i]:
            continue
        g = table[_key(parts, radices, i)]
        if g >= 0:
            starts[g + 1] += 1
    for g in range(groups):
        starts[g + 1] += starts[g]
    members = np.empty(starts[groups], dtype=np.int32)
    free = starts[:groups].copy()
    for i in range(n):
        if masked and not mask[i]:
            continue
        g = table[_key(parts, radices, i)]
        if g >= 0:
            members[free[g]] = i
            free[g] += 1
    return members, starts


def group_members(
    parts: tuple[Ints, ...],
    radices: tuple[int, ...],
    table: Members,
    mask: BoolArray | None = None,
) -> tuple[Members, IntArray]:
    """`members_by_group` over attribute arrays (``radices[0]`` is the first one's range):
    ``(members, starts)``."""
    if parts[0].size >= 2**31 - 1:
        raise ValueError("class pairs beyond int32's range")
    return members_by_group(
        parts, np.array(radices, dtype=np.int64), table, NO_MASK if mask is None else mask
    )


def member_lists(
    parts: tuple[Ints, ...],
    radices: tuple[int, ...],
    table: Members,
    mask: BoolArray | None = None,
) -> list[Members]:
    """Each group's members (`group_members`), group g's at index g: views of one array,
    which holds each pair once at most."""
    members, starts = group_members(parts, radices, table, mask)
    return [members[starts[g] : starts[g + 1]] for g in range(starts.size - 1)]


def warm_up() -> None:
    """Compile (or load) `members_by_group` for the attribute tuples a round groups by: one
    class index (C1: uint16), one, two or three attributes (the fills, C3 and C4, C2: int8).
    Beyond 2**16 classes a side or 127 countries or cadres they are int32 and int16, and
    compile (or load) at their first round."""
    table = np.zeros(1, dtype=np.int32)
    member_lists((np.zeros(1, dtype=np.uint16),), (1,), table)
    one = np.zeros(1, dtype=np.int8)
    for width in (1, 2, 3):
        member_lists((one,) * width, (1,) * width, table, np.ones(1, dtype=bool))
