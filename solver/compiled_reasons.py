"""The explanations' constraint reasons per posting class, in one compiled pass over the pairs.

`solver.explain` counts, for each class of one side and each constraint code, the workers (or
positions) of its eligible counterparts that the code stopped, and names the first group that
did.  In numpy that was a full-length key, a float64 weight and a sort of the pairs a group binds
(`np.unique`), over every eligible class pair: on hard XL (20.8 M class pairs) 2.9 s of the
explanations' 6-8 s under the profiler, most of it the temporaries' fresh pages and the sort
(docs/benchmarks-solver.md, thirty-first session).  Here nothing the length of the round is made.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.integer[Any]]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@njit(cache=True, nogil=True)
def reasons_by_class(
    side: Ints,
    other: Ints,
    code: Ints,
    group: Ints,
    cap: IntArray,
    used: IntArray,
    n: int,
    ncodes: int,
) -> tuple[IntArray, BoolArray, IntArray]:
    """Per class of ``side`` (``n`` classes) and code: ``(totals, present, first)``.

    Pair p joins its class ``side[p]`` under code 0 when its counterpart ``other[p]`` is used
    up (``used >= cap``), else under ``code[p]``; ``totals`` sums the counterparts' ``cap``,
    ``present`` says whether any pair joined, ``first`` is ``group[p]`` of the lowest such p
    under a code above 0 (-1 for none; code 0 names no group)."""
    totals = np.zeros((n, ncodes), dtype=np.int64)
    present = np.zeros((n, ncodes), dtype=np.bool_)
    first = np.full((n, ncodes), -1, dtype=np.int64)
    for p in range(side.size):
        o = other[p]
        k = 0 if used[o] >= cap[o] else code[p]
        s = side[p]
        totals[s, k] += cap[o]
        present[s, k] = True
        if k > 0 and first[s, k] < 0:
            first[s, k] = group[p]
    return totals, present, first
