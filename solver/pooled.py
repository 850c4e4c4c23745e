"""Tier 2's upper bound from pooled fill, instead of its degenerate max-z LP.

Tier 2 maximises z with ``1000 filled(t) >= requested(t) z`` for every servable destination t
(MATCHING.md section 4), on tier 1's optimal face.  As an LP that is massively degenerate: only z
has a cost, and GLOP's primal simplex pays thousands of iterations each time column generation
adds a few columns (docs/benchmarks-solver.md).  This module bounds z* another way.

For any set B of servable destinations, every feasible (x, z) has
``1000 sum_{t in B} filled(t) >= z sum_{t in B} requested(t)``, so

    z* <= U_B = 1000 max_x sum_{t in B} filled(t) / sum_{t in B} requested(t),

an LP like tier 1's (weight 1000 on every pair into B) that column generation solves quickly.
U_B is the Lagrangian bound of the fill rows with equal duals on B and none elsewhere, so it is
exact (U_B = z*) when the optimal duals of the fill rows have that shape: the destinations that
bind draw on deposits they share, so the last worker is worth as much to any of them.

B is guessed from tier 1's solution x1 (`bottleneck_guess`): the destinations with the lowest
fill ratio, up to the largest jump in ratio.  The next guess is every destination that x1 fills
to at most U_B (as in Dinkelbach's method for a smallest ratio: a destination filled above the
bound is not the bottleneck; one below it may be, and tier 1's vertex may have given one of two
rivals everything), until a guess repeats or `MAX_LPS` LPs are solved; the smallest bound is
kept.  The tier engine takes ``floor`` of that bound as tier 2's value and proves it in tier 3
(an integer solution with every fill at least ``ceil(requested zc / 1000)``); when tier 3
cannot, it falls back to the max-z LP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel, Outcome
from solver.columns import solve_lp_columns, support
from solver.master import KeptMaster

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
RATIO_TOL = 1e-9
MAX_LPS = 3
"""Pooled LPs per tier 2 at most (each a column generation like tier 1's)."""


@dataclass
class PooledBound:
    """The smallest bound found (None when an LP failed) and what the engine carries on."""

    outcome: Outcome
    bound: float | None = None
    support: IntArray | None = None


def bottleneck_guess(ratios: FloatArray) -> IntArray:
    """The destinations (fill-row positions) with the lowest ratios, up to the largest jump.

    A jump is the ratio of consecutive sorted ratios (plus one, so that a jump from 0 counts).
    """
    order = np.argsort(ratios, kind="stable")
    if order.size <= 1:
        return order.astype(np.int64)
    r = ratios[order]
    jumps = (r[1:] + 1.0) / (r[:-1] + 1.0)
    k = int(np.argmax(jumps)) + 1
    return np.sort(order[:k]).astype(np.int64)


def pooled_fill_bound(
    lp: LinearModel,
    fill_rows: IntArray,
    fill_req: list[int],
    z: int,
    start: FloatArray,
    *,
    time_limit: float,
    warm: IntArray | None,
    keep: KeptMaster | None = None,
) -> PooledBound:
    """An upper bound of tier 2's LP optimum z* over ``lp`` (z's column must be fixed at 0).

    ``start`` is tier 1's solution (full length), whose ratios guess the bottleneck set.
    With ``keep``, each LP goes on from the master the last one left there (tier 1's first).
    """
    deadline = time.monotonic() + time_limit
    assert lp.col_hi[z] == 0.0, "the pooled LP is over x alone: fix z at 0"
    fill = lp.matrix[fill_rows].tocsr()
    req = np.array(fill_req, dtype=np.float64)
    ratios: FloatArray = (fill @ start) / np.maximum(req, 1.0)  # per mille, z at 0
    best: PooledBound | None = None
    tried: list[frozenset[int]] = []
    group = bottleneck_guess(ratios)
    while group.size and frozenset(group.tolist()) not in tried and len(tried) < MAX_LPS:
        tried.append(frozenset(group.tolist()))
        cost = np.asarray(fill[group].sum(axis=0), dtype=np.float64).ravel()
        cost[z] = 0.0
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return PooledBound(Outcome.LIMIT)
        sol = solve_lp_columns(lp, cost, time_limit=remaining, start=start, always=warm, keep=keep)
        if sol.outcome != Outcome.OPTIMAL or sol.objective is None or sol.x is None:
            return PooledBound(sol.outcome) if best is None else best
        bound = float(sol.objective) / float(req[group].sum())
        if best is None or best.bound is None or bound < best.bound:
            best = PooledBound(Outcome.OPTIMAL, bound, support(sol))
        # the next guess: every destination that tier 1's solution fills at most that much
        group = np.flatnonzero(ratios <= bound + RATIO_TOL * max(1.0, bound)).astype(np.int64)
    assert best is not None
    return best
