"""The column terms of a Farkas bound, written over ``A^T y`` in place.

`solver.tier_levels.level_left` bounds ``max 0`` over tier 3's LP by the multipliers ``y`` of an
infeasible level: each column adds the largest ``-(A^T y)_j x_j`` over its bounds.  In numpy
that held ``A^T y``, its negation, both bound products and their maximum at once: five arrays of
8 bytes a class pair, where hard XL's round peaked after tier 3's LP proved a level out
(docs/benchmarks-solver.md, twenty-seventh session).  This loop does the same arithmetic, in
numpy's order, over the one array the product gave, which numpy then sums as before.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def column_terms_in_place(t: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
    """Each ``t[j]`` (``(A^T y)_j``) replaced by ``max(-t[j] lo[j], -t[j] hi[j])`` as
    ``np.maximum`` takes it (NaN when either is; the second of two equal zeros), and by 0
    where ``t[j]`` is 0."""
    for j in range(t.size):
        r = -t[j]
        if r == 0.0:
            t[j] = 0.0
            continue
        a = r * lo[j]
        b = r * hi[j]
        t[j] = a if (a > b or a != a) else b


def warm_up() -> None:
    """The loop run once, so that numba loads it from its disk cache (or compiles it) before a
    round that proves a tier-2 level out needs it (`solver.round.warm_up`)."""
    column_terms_in_place(np.zeros(1), np.zeros(1), np.ones(1))
