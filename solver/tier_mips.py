"""The MIPs that prove a tier of the tier engine (`solver.tiers`).

From a fractional LP vertex: rounded to the lattice's cap (`rounded_to_cap`, by
`solver.rounding`), a MIP over the LP's last master (`master_mip`), or over the columns the
LP's reduced costs allow (`certified_mip`).  On the MIP path (C4's binaries, or a failed LP
path): the tier as one MIP over the whole model (`mip_tier`)."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel, LpSolution, Outcome, cost_scale, solve_mip
from solver.compiled_rows import MapArray
from solver.compiled_values import Counts, Flows
from solver.heap import RELEASE_FREED_ABOVE, release_freed
from solver.lattice import integer_cap, objective_step
from solver.rounding import round_near_face, round_on_face
from solver.tiered import DUAL_TOL, Tiered, max_form

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NEAR_FACE_MAX_PAIRS = 10_000_000
"""Class pairs above which `rounded_to_cap` does not look for a vertex near the face
(`solver.rounding.round_near_face`): its feasibility LP is the round's whole LP again, which
on hard XL seeds 5, 29 and 51 took 11-27 s, peaked at 4.1-7.1 GB and reached the cap on none.
Hard L's rounds (about a million) take it in 1.0-1.3 s (docs/benchmarks-solver.md,
thirty-fifth session)."""
MIP_HEURISTIC_EFFORT = 0.3
"""HiGHS' ``mip_heuristic_effort`` for a tier solved as a MIP over the whole model (`mip_tier`:
C4's binaries, or a failed LP path), instead of its 0.05.  With a pair minimum benefit, hard
rounds of 1,000-2,000 postings are not proven within a minute, so the incumbent is what the
round returns: on hard M seeds 0-2 at 100,000 and 1,000,000 USD, tier 1 after 60 s rose in six
cases of eight (1,870 -> 7,243 on seed 0 at 1,000,000) and stayed in two, while rounds proven
today took the same time (docs/benchmarks-solver.md, eighth session).  The small MIPs of
`certified_mip` and `solver.rounding` keep the default: their target is known."""
STARTED_TIERS = (2,)
"""The tiers whose MIP over the whole model (`mip_tier`) HiGHS starts from the incumbent (the
previous tier's optimum, which satisfies that tier's kept row: a point HiGHS must otherwise
find itself).  Hard M seeds 0-7 with a 50,000 USD pair minimum: tier 2's MIPs took 151.8 s in
all against 209.5 s, and three rounds of eight were proven within 60 s against one; at
20,000 USD 38.1 s against 29.2 s (seed 6 3.4 s to 10.8 s), every round proven either way.
Tiers 3 and 4 started too gained no proof and slowed tier 4 on five seeds of eight.  Tier
1's start would be the greedy's: as a hint it left hard M seed 0's tier 1 (100,000 USD) at
16,795 after 30 s, where HiGHS alone reached 24,038 (docs/benchmarks-solver.md,
thirty-sixth session)."""


def held(lp: LinearModel, x: FloatArray) -> npt.NDArray[np.bool_]:
    """The columns the point ``x`` uses, or whose lower bound holds above 0: a MIP over a few
    of ``lp``'s columns (`certified_mip`, `master_mip`) keeps them."""
    out: npt.NDArray[np.bool_] = (x > 1e-9) | (lp.col_lo > 0)
    return out


def mip_over(
    m: Tiered, cols: IntArray, cost: FloatArray, limit: float, *, optimal: bool
) -> FloatArray | None:
    """The MIP maximising ``cost`` (over ``cols`` alone) on the columns ``cols`` of the
    round's LP, the others at 0: its point over every column, when that holds every bound and
    row; None when the MIP finds no point (with ``optimal``, none it proves optimal).  On a
    large round HiGHS' freed pages are handed back after it (hard XL seed 65 read 4,010 MB at
    the step after `master_mip` without)."""
    lp = m.lp
    res = solve_mip(lp.restricted(cols), cost, maximize=True, time_limit=limit, seed=m.seed)
    if m.n > RELEASE_FREED_ABOVE:
        release_freed()
    if res.x is None or (optimal and res.outcome != Outcome.OPTIMAL):
        return None
    full = np.zeros(lp.ncols)
    full[cols] = np.rint(res.x)
    return full if lp.holds(full) else None


def certified_mip(m: Tiered, tier: int, lps: LpSolution, limit: float) -> tuple[Counts, int] | None:
    """A tier's integer optimum from its LP (over every column) and a MIP on few columns.

    With the LP optimum B and its reduced costs rc (max form), any solution of value >= T uses
    only columns with ``rc >= T - B`` (complementary slackness: c x <= B + sum rc_j x_j over
    columns at 0).  For T the highest value an integer point can take below B (`integer_cap`:
    floor(B), or the multiple of the objective's step below it) that set is small; the MIP over
    it either reaches T (optimal, as no integer beats T) or proves the optimum v < T, and one
    more MIP over the set of ``rc >= v - B`` finds the optimum.  None when the time limit or
    trouble stops it.
    """
    lp = m.lp
    if lps.x is None or lps.reduced_cost is None or lps.objective is None:
        return None
    sense = -1 if tier == 4 else 1
    cost = max_form(m, tier)
    bound = lps.objective
    rc = lps.reduced_cost
    free = lp.col_hi > lp.col_lo
    base = held(lp, lps.x)
    margin = DUAL_TOL * cost_scale(cost)
    target = integer_cap(bound, objective_step(cost))
    deadline = time.monotonic() + limit
    tried: int | None = None
    while True:
        cols = _allowed(base, free, rc, lps.priced, target - bound - margin)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        full = mip_over(m, cols, cost[cols], remaining, optimal=True)
        if full is None:
            return None
        # the class pairs' part as it is (integral), not an int64 copy (as `rounded_to_cap`)
        x = full[: m.n]
        value = sense * m.tier_value(tier, x)
        if value >= target or tried == value:
            return x, m.tier_value(tier, x)
        tried = target = value


def _allowed(
    base: BoolArray, free: BoolArray, rc: FloatArray, priced: MapArray | None, least: float
) -> IntArray:
    """The columns ``base`` holds and the free ones whose reduced cost (``rc``: every
    column's, or ``priced``'s in their order, `LpSolution.priced`) is at least ``least``."""
    if priced is None:
        return np.flatnonzero(base | (free & (rc >= least)))
    ok = priced[free[priced] & (rc >= least)]
    return np.union1d(np.flatnonzero(base), ok.astype(np.int64))


def rounded_to_cap(
    m: Tiered, tier: int, lps: LpSolution, cost: FloatArray, cap: int, limit: float
) -> tuple[Counts, int] | None:
    """The fractional vertex of ``lps`` rounded (`round_on_face`) to a point of value ``cap``
    (``integer_cap(B)``, the most any integer point reaches), else a vertex of the set where
    every such point lies (`round_near_face`, up to `NEAR_FACE_MAX_PAIRS`), else the vertex
    rounded with its last master's columns free to move too: the tier's optimum, as
    `certified_mip` would return it; None when all fall short."""
    xf = round_on_face(m.lp, lps, cost, m.n, time_limit=limit, seed=m.seed, target=cap)
    if xf is None and m.n <= NEAR_FACE_MAX_PAIRS:
        xf = round_near_face(m.lp, lps, cost, m.n, cap=cap, time_limit=limit, seed=m.seed)
    if xf is None and lps.columns is not None:
        xf = round_on_face(
            m.lp, lps, cost, m.n, time_limit=limit, seed=m.seed, target=cap, movable=lps.columns
        )
    if xf is None:
        return None
    # the class pairs' part as it is (integral), not an int64 copy: 8 bytes a class pair where
    # hard XL seed 51 peaked (4,124 MB; docs/benchmarks-solver.md, thirty-fifth session)
    x = xf[: m.n]
    return x, m.tier_value(tier, x)


def master_mip(
    m: Tiered, tier: int, lps: LpSolution, cap: int, limit: float
) -> tuple[Counts, int] | None:
    """A point of value ``cap`` (`rounded_to_cap`'s, the most any integer point reaches) from a
    MIP over the columns of the LP's last master and its vertex's support: the tier's
    optimum; None when that MIP falls short of the cap, or the limit stops it.  A MIP of a
    master's size (hard XL seed 65: 165,703 columns, 33 s to the cap) where the reduced
    costs' (`certified_mip`, 975,782 columns) took 52 s and peaked at 6.4 GB
    (docs/benchmarks-solver.md, thirty-fifth session)."""
    if lps.x is None or lps.columns is None or limit <= 0:
        return None
    cols = np.union1d(np.flatnonzero(held(m.lp, lps.x)), lps.columns)
    full = mip_over(m, cols, max_form(m, tier)[cols], limit, optimal=False)
    if full is None:
        return None
    x = full[: m.n]
    value = m.tier_value(tier, x)
    return (x, value) if value >= cap else None


def mip_tier(m: Tiered, tier: int, x: Flows, limit: float) -> tuple[Counts, int, int, bool]:
    """One tier as a MIP from the incumbent ``x``: (x, value, bound, proven)."""
    lp = m.mip_model(tier)
    start = m.mip_start(x) if tier in STARTED_TIERS else None
    if start is not None and not lp.holds(start):
        start = None
    # the incumbent is kept below if the MIP returns worse
    sol = solve_mip(
        lp,
        m.objective(tier),
        maximize=tier != 4,
        time_limit=limit,
        seed=m.seed,
        heuristic_effort=MIP_HEURISTIC_EFFORT,
        start=start,
    )
    sign = -1 if tier == 4 else 1
    best: Counts = x
    if sol.x is not None and sol.x.size == lp.ncols:
        cand = np.rint(sol.x[: m.n]).astype(np.int64)
        if sign * m.tier_value(tier, cand) >= sign * m.tier_value(tier, x):
            best = cand
    value = m.tier_value(tier, best)
    if sol.outcome == Outcome.OPTIMAL:
        return best, value, value, True
    raw = sol.bound
    if raw is None or not np.isfinite(raw):
        bound = {1: m.trivial_bound1, 2: 1000 if m.servable else 0, 3: m.trivial_bound3}.get(
            tier, value
        )
    else:
        # the MIP's bound read as an integer within its own error (max form for tier 4's min)
        bound = integer_cap(raw, 1) if tier < 4 else -integer_cap(-raw, 1)
    if tier == 1:
        bound = min(bound, m.trivial_bound1)
    return best, value, bound, False
