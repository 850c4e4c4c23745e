"""Tier 2's upper bound from pooled fill, instead of its degenerate max-z LP.

(A round small enough that its LP is solved whole takes the max-z LP itself,
`max_fill_bound`: GLOP on every column does not stall on it as column generation does.)

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
(an integer solution with every fill at least ``ceil(requested zc / 1000)``).

When the pooled bound lies far above what the pooled LPs' fill vectors mix to, `sharpened`
first spends one weighted LP of the scheme below on it (hard L: about 0.5 s, against the 4.5-6 s
tier-3 LP that would prove a loose bound out).

When tier 3 cannot prove the bound, `fill_dual_bound` finds the best weights instead of
guessing them: column generation in the space of fills (Dantzig-Wolfe on the fill rows).  A
small restricted master mixes the fill vectors found so far (tier 1's, each pooled LP's) to
maximise their smallest ratio, a lower bound L of z*; its duals y on the fill rows weight the
next LP, ``max sum_t y_t filled(t)``, whose optimum bounds z* from above and whose fills join
the master.  It stops when the integer level the bounds allow is within L, or when they meet (then
U = L = z*).  Each LP is a pooled LP with weights, so it keeps their speed, where the max-z LP it
replaces stalls on degenerate pivots (hard L seed 1 from another tier-1 vertex: the max-z LP
21.9 s, this about 6 s).  Its integer level also carries the rounding tier 3 imposes
(`weighted_level`): on hard L seed 2, z* = 463.018 while no integer round reaches 463.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, Outcome, Start, solve_lp
from solver.columns import solve_lp_columns, support
from solver.fill_rows import FillRows
from solver.master import KeptMaster

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
RATIO_TOL = 1e-9
MAX_LPS = 3
"""Pooled LPs per tier 2 at most (each a column generation like tier 1's)."""
MAX_DUAL_STEPS = 40
"""Weighted LPs `fill_dual_bound` solves at most (any weights give a valid bound)."""
LOOSE_GAP = 0.05
"""How far (a share of the pooled bound) the pooled bound may lie above the mixtures' lower
bound before `sharpened` spends one weighted LP on it.  Chosen on hard L seeds 0-23, where one
step found the exact level on 14 seeds but the gap could not tell 4 of them from the 8 it did
not help; checked on seeds 24-35 (docs/benchmarks-solver.md, tenth session)."""
SHARPEN_STEPS = 1
"""Weighted LPs `sharpened` spends on a loose pooled bound (steps of `fill_dual_bound`).  More
steps replace the tier-3 LP that proves a missed pooled level out by the fill duals' own
search, which pays at hard XL (seeds 0-1 at 40 steps: 215.0 s against 246.0 s, 278.3 s
against 332.1 s) and costs at 40,000 postings (seeds 0-3 side by side +5.8 %, where the pooled
level mostly holds) and at hard L (twenty-second session: a wash), so one step stays until a
rule can tell the rounds apart (docs/benchmarks-solver.md, twenty-third session)."""
FILL_TOL = 1e-2
"""Workers a weighted LP's optimum may fall short of the true one by (far more than GLOP's
tolerances summed): a level is ruled out only by a need beyond the optimum plus this."""


@dataclass
class PooledBound:
    """The smallest bound found (None when an LP failed) and what the engine carries on."""

    outcome: Outcome
    bound: float | None = None
    support: IntArray | None = None
    points: list[FloatArray] = field(default_factory=list)
    """Fill vectors (workers per fill row) of the LP solutions found, for `fill_dual_bound`."""


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


def weighted_fill(
    lp: LinearModel,
    fills: FillRows,
    weights: FloatArray,
    deadline: float,
    start: Start,
    warm: IntArray | None,
    keep: KeptMaster | None,
) -> LpSolution:
    """The LP ``max sum_t weights_t (fill row t) . x`` over ``lp`` (z at no cost), by column
    generation until ``deadline``."""
    cost = fills.weighted(weights)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return LpSolution(Outcome.LIMIT)
    return solve_lp_columns(
        lp, cost, time_limit=remaining, start=start, always=warm, keep=keep, reduced_costs=False
    )


def pooled_fill_bound(
    lp: LinearModel,
    fills: FillRows,
    fill_req: list[int],
    z: int,
    start: Start,
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
    req = np.array(fill_req, dtype=np.float64)
    here = fills.filled(start)
    ratios: FloatArray = here / np.maximum(req, 1.0)  # per mille, z at 0
    best: PooledBound | None = None
    points = [here / 1000.0]
    tried: list[frozenset[int]] = []
    group = bottleneck_guess(ratios)
    while group.size and frozenset(group.tolist()) not in tried and len(tried) < MAX_LPS:
        tried.append(frozenset(group.tolist()))
        pooled = np.zeros(req.size)
        pooled[group] = 1.0
        sol = weighted_fill(lp, fills, pooled, deadline, start, warm, keep)
        if sol.outcome != Outcome.OPTIMAL or sol.objective is None or sol.x is None:
            return PooledBound(sol.outcome) if best is None else best
        points.append(fills.filled(sol.x) / 1000.0)
        bound = float(sol.objective) / float(req[group].sum())
        if best is None or best.bound is None or bound < best.bound:
            best = PooledBound(Outcome.OPTIMAL, bound, support(sol), points)
        del sol  # full length (x, reduced costs): not held through the next LP's peak
        # the next guess: every destination that tier 1's solution fills at most that much
        group = np.flatnonzero(ratios <= bound + RATIO_TOL * max(1.0, bound)).astype(np.int64)
    assert best is not None
    return best


def max_fill_bound(
    lp: LinearModel,
    fills: FillRows,
    z: int,
    start: Start,
    *,
    time_limit: float,
) -> PooledBound:
    """Tier 2's LP optimum z* itself: ``max z`` over ``lp`` (z's column fixed at 0 before and
    after; freed to [0, 1000] for this LP), for a round whose LP `solve_lp_columns` solves
    whole.  The max-z LP stalls column generation, not GLOP on every column: on a hard
    5,000-posting round (51,548 free columns) it took 1.7 s where the pooled LPs took 4.0 s
    and still missed z* by 15 levels (docs/benchmarks-solver.md, twenty-first session)."""
    assert lp.col_hi[z] == 0.0, "z's column is fixed at 0 outside this LP"
    cost = np.zeros(lp.ncols)
    cost[z] = 1.0
    lp.col_hi[z] = 1000.0
    try:
        sol = solve_lp_columns(lp, cost, time_limit=time_limit, start=start)
    finally:
        lp.col_hi[z] = 0.0
    if sol.outcome != Outcome.OPTIMAL or sol.objective is None or sol.x is None:
        return PooledBound(sol.outcome)
    points = [fills.filled(start) / 1000.0, fills.filled(sol.x) / 1000.0]  # z left out
    return PooledBound(Outcome.OPTIMAL, float(sol.objective), support(sol), points)


def weighted_level(optimum: float, weights: FloatArray, requested: IntArray) -> int:
    """The highest level L that an integer round may reach when ``max sum_t weights_t 1000
    filled(t)`` is ``optimum``: an integer round at level L fills every t to
    ``ceil(requested_t L / 1000)`` or more, so its weighted fill is at least that need."""
    levels = np.arange(1001, dtype=np.int64)
    # numpy's own loops, not BLAS: OpenBLAS's gemv now and then returns NaN on finite inputs
    # (OpenBLAS issue #746, numpy issue #24067), and a NaN here would drop its level unseen
    need = np.einsum("lt,t->l", -(-np.outer(levels, requested) // 1000) * 1000.0, weights)
    slack = FILL_TOL * 1000.0 * float(weights.max(initial=0.0))
    return int(np.flatnonzero(need <= optimum + slack).max(initial=0))


def mixed_fill(points: list[FloatArray], requested: IntArray) -> tuple[float, FloatArray] | None:
    """The restricted master: the best smallest ratio (per mille) over mixtures of ``points``
    and the fill rows' duals as weights (nonnegative, ``weights . requested = 1``)."""
    k, t = len(points), requested.size
    rows = sp.bmat(
        [
            [sp.csr_matrix(1000.0 * np.array(points).T), sp.csr_matrix(-requested[:, None])],
            [sp.csr_matrix(np.ones((1, k))), None],
        ],
        format="csr",
    )
    master = LinearModel(
        col_lo=np.zeros(k + 1),
        col_hi=np.r_[np.full(k, np.inf), 1000.0],
        integer=np.zeros(k + 1, dtype=bool),
        matrix=rows,
        row_lo=np.r_[np.zeros(t), 1.0],
        row_hi=np.r_[np.full(t, np.inf), 1.0],
    )
    sol = solve_lp(master, np.r_[np.zeros(k), 1.0], maximize=True, time_limit=10.0)
    if sol.outcome != Outcome.OPTIMAL or sol.objective is None or sol.row_dual is None:
        return None
    weights = np.abs(sol.row_dual[:t])  # any nonnegative weights give a valid bound
    return float(sol.objective), weights


def fill_dual_bound(
    lp: LinearModel,
    fills: FillRows,
    fill_req: list[int],
    z: int,
    start: Start,
    points: list[FloatArray],
    *,
    time_limit: float,
    warm: IntArray | None,
    keep: KeptMaster | None = None,
    steps: int = MAX_DUAL_STEPS,
) -> PooledBound:
    """The highest integer level tier 2 may reach over ``lp`` (z's column fixed at 0), by
    weighted pooled LPs whose weights the restricted master of ``points`` (fill vectors, in
    workers, of solutions over ``lp``) chooses; ``bound`` None when an LP failed.

    At most ``steps`` weighted LPs; with ``keep``, the first goes on from the masters the
    pooled LPs left there."""
    deadline = time.monotonic() + time_limit
    assert lp.col_hi[z] == 0.0, "the weighted LPs are over x alone: fix z at 0"
    req = np.array(fill_req, dtype=np.int64)
    here = fills.filled(start) / 1000.0
    points = [*points] + ([] if any(np.array_equal(p, here) for p in points) else [here])
    kept = keep if keep is not None else KeptMaster()  # each LP goes on from the last's
    best, best_support = 1000, warm  # the lowest level found, from the LP that found it
    for _ in range(steps):
        mixed = mixed_fill(points, req)
        if mixed is None:
            return PooledBound(Outcome.FAILED)
        lower, weights = mixed
        if best <= np.floor(lower + 1e-6):
            break  # the mixtures reach the level: only tier 3 can say more
        if float(weights @ req) <= 0.0:
            break
        weights = weights / float(weights @ req)
        sol = weighted_fill(lp, fills, weights, deadline, start, warm, kept)
        if sol.outcome != Outcome.OPTIMAL or sol.objective is None or sol.x is None:
            return PooledBound(sol.outcome)
        level = weighted_level(float(sol.objective), weights, req)
        if level < best:
            best, best_support = level, support(sol)
        points.append(fills.filled(sol.x) / 1000.0)
        if float(sol.objective) <= lower + 1e-9 * max(1.0, lower):
            break  # the bounds meet: z* = lower
        del sol  # full length (x, reduced costs): not held through the next LP's peak
    return PooledBound(Outcome.OPTIMAL, float(best), best_support)


def sharpened(
    pooled: PooledBound,
    lp: LinearModel,
    fills: FillRows,
    fill_req: list[int],
    z: int,
    start: Start,
    *,
    time_limit: float,
    keep: KeptMaster | None = None,
) -> PooledBound:
    """The pooled bound, or a lower one from one weighted LP when it looks loose.

    The mixtures of the pooled LPs' fill vectors (`mixed_fill`) reach a lower bound L of z*;
    when the pooled bound U lies more than `LOOSE_GAP` U above it, the bottleneck guesses
    likely missed, and tier 3 would spend a whole LP (4.5-6 s on hard L) proving U out.  One
    step of `fill_dual_bound` (0.3-0.7 s, from the pooled LPs' masters in ``keep``) weighs
    the fill rows by the mixtures' duals instead; its level (a valid bound: no integer round
    reaches a higher one) replaces U when lower, and its support joins tier 3's warm columns.
    """
    if pooled.bound is None or not pooled.points:
        return pooled
    mixed = mixed_fill(pooled.points, np.array(fill_req, dtype=np.int64))
    if mixed is None or pooled.bound - mixed[0] <= LOOSE_GAP * pooled.bound:
        return pooled
    step = fill_dual_bound(
        lp,
        fills,
        fill_req,
        z,
        start,
        pooled.points,
        time_limit=time_limit,
        warm=pooled.support,
        keep=keep,
        steps=SHARPEN_STEPS,
    )
    if step.bound is None or step.bound >= np.floor(pooled.bound + 1e-6):
        return pooled
    warm = pooled.support
    if step.support is not None:
        warm = step.support if warm is None else np.union1d(warm, step.support)
    return PooledBound(Outcome.OPTIMAL, step.bound, warm, pooled.points)
