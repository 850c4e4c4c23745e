"""The lexicographic tier engine (MATCHING.md section 4) over a linear model of OR-Tools arrays.

Tiers are solved in order (1 priority_fill, 2 min_fill_permille, 3 benefit_usd, 4 tie-break),
each kept at its optimum while the next is solved.  All objective coefficients are integers, so a
gap below 1 proves a tier; below their greatest common divisor, in fact (`objective_step`: an LP
bound B caps the integer optimum at `integer_cap`, the multiple of it at or below B, and when
that is below B no integer point lies on the LP's optimal face).  Two exact paths:

- **LP path** (no C4 binaries): each tier is first solved as an LP over every class pair, by column
  generation (`solver.columns`, GLOP masters; the first masters of tiers 3 and 4 also hold the
  columns a greedy by their objective takes, `GREEDY_SEEDS`).  When the LP's optimal vertex is
  integral (checked on the rounded vector against every row and bound), the LP optimum is the
  integer optimum, so the integer optima of the tier are exactly the integer points of the LP's
  optimal face; that face is kept for the next tier by complementary slackness (columns with a
  nonzero reduced cost fixed at their value, rows with a nonzero dual made equalities), which keeps
  the constraint matrix unchanged and leaves the next tier far fewer free columns.  When the vertex
  is fractional but the LP optimum an integer (or the tier is 4), a small MIP rounds it on the face
  (`solver.rounding.round_on_face`); an integer point at the LP optimum serves as the integral
  vertex would.  Failing that, the face is kept by the duals alone and the tier is *deferred*: an
  integral vertex of a later tier on that face reaches the LP optimum, which proves it (`Deferred`).
  An LP optimum off the lattice has no integer point on its face: the vertex is rounded to the cap
  instead (`rounded_to_cap`).  Otherwise (or when no later vertex is integral: the first deferred
  tier is restored), `certified_mip` proves the tier with a MIP over the few columns whose reduced
  cost allows them in a solution of value ``integer_cap(B)``.  Either way the tier's integer optima
  lie off the LP's face; they are kept by the LP's reduced costs (`solver.near_face`: what no
  integer point of that value moves is fixed, one sparse budget row holds the rest), or by a
  dense ``>=`` row when the duals do not fit.

  Tier 2 takes an integer upper bound zc of its optimum: on a round whose LP is solved whole,
  its max-z LP's optimum z* (`max_fill_bound`, `WHOLE_TIER_2`); on a round solved by column
  generation, which that LP stalls, the pooled-fill bound
  (`solver.pooled`; `sharpened` by one weighted LP when it looks loose); or, when that fails,
  the fill rows' best weights (`fill_dual_bound`, z* with the rounding below).  It imposes
  ``filled(t) >= ceil(requested(t) zc / 1000)``; an integer tier-3 solution over that set
  proves zc achieved, hence optimal.  When tier 3's LP over that set is infeasible, no integer
  reaches zc and tier 3 tries ``zc - 1``, or the highest level below that the feasibility LP's
  duals do not prove out too (`level_left`, a Farkas bound per level), `MAX_DESCENTS` times;
  when that runs out, tier 2 goes to the fill duals, then to the MIP path below zc.
- **MIP path** (C4 binaries, or a failed LP): the tier is solved as a MIP over every column
  (HiGHS inside OR-Tools); its proven optimum is then fixed with a ``>=`` row on its value.

The incumbent (e.g. greedy) is returned as is when the time limit leaves no time to improve on
it; a tier stopped by the limit reports its best bound and is not proven.

Here: the engine (`TierEngine`) and the LP faces it keeps.  Elsewhere: the MIPs that prove a
tier (`solver.tier_mips`), tier 2's levels proven out by a Farkas certificate
(`solver.tier_levels`), and what the engine asks of the round's model (`solver.tiered`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel, LpSolution, Outcome, Start, at_bound, cost_scale
from solver.columns import free_columns, solve_lp_columns, solved_whole, support
from solver.compiled_face import (
    largest_rounding,
    priced_columns_at_bounds,
    round_in_place,
)
from solver.compiled_values import Counts, Flows, flow_type
from solver.fill_rows import FillRows
from solver.heap import RELEASE_FREED_ABOVE, release_freed
from solver.lattice import integer_cap, objective_step, on_lattice
from solver.master import KeptMaster
from solver.near_face import keep_near_face
from solver.pooled import fill_dual_bound, max_fill_bound, pooled_fill_bound, sharpened
from solver.rounding import INTEGRALITY_TOL, round_on_face
from solver.schema import ProgressEvent
from solver.tier_levels import level_left
from solver.tier_mips import certified_mip, master_mip, mip_tier, rounded_to_cap
from solver.tiered import DUAL_TOL, Tiered, max_form

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
TIER_NAMES = ("priority_fill", "min_fill_permille", "benefit_usd", "tie_break")
TIER4_MIP_MAX_PAIRS = 60_000
"""Above this many class pairs, tier 4 is not taken through the certified MIP, nor solved at
all when tier 3 was proven off its LP's face or a tier is kept by a dense row (see
`TierEngine`): on hard rounds either took seconds to minutes for a tie-break."""
SNAP_TOL = 1e-6
"""How far from a bound an LP value may sit and still count as at it (`keep_face`)."""
MAX_DESCENTS = 3
"""Tier 2 levels tried one below another when tier 3 proves a level out (no integer reaches
it), before tier 2's fill duals and again before its MIP."""
ROUNDING_SECONDS = 10.0
"""Time the small MIP of `solver.rounding.round_on_face` may take on one vertex."""
MASTER_MIP_SECONDS = 60.0
"""Time the MIP over a tier's last master (`master_mip`) may take to reach the cap, before
the MIP over the reduced costs takes over."""
GREEDY_SEEDS = True
"""Whether the first masters of tiers 3 and 4 also hold the columns a greedy by the tier's
objective takes (`Tiered.likely_columns`).  The first master then sits nearer the optimum: on
hard L seeds 0-5 GLOP's simplex iterations over the round fell by 24-38 % while HiGHS' (on the
larger first masters) rose by 7-14 %, and seeds 0-11 side by side took 192 s against 212 s,
tiers 2 + 3 105 s against 125 s, the greedy's 0.1-0.4 s a tier included
(docs/benchmarks-solver.md, ninth session).  Tier 1 starts from its own incumbent, and tier 2's
pooled LPs from tier 1's masters."""
ELASTIC_TIER_3 = True
"""Whether tier 3's new masters are elastic (`solver.master.GlopMaster`): HiGHS solves the
first master with artificial columns on the rows it may miss (the fill needs), instead of
first proving it infeasible without them, 0.4-0.6 s on the hard L seeds where it is.  Seeds
0-35 side by side: 417.4 s against 422.2 s, the same objectives (docs/benchmarks-solver.md,
thirteenth session)."""
WHOLE_TIER_2 = True
"""Whether tier 2's bound is its max-z LP itself (`solver.pooled.max_fill_bound`) when the
round's LP is solved whole (`solver.columns.solved_whole`), instead of the pooled fill.
Measured as a variant against the pooled path (docs/benchmarks-solver.md, twenty-first
session)."""
FLAT_TIE_BREAK_WARM = True
"""Whether tier 4 goes on from tier 3's kept master when its objective is flat
(`flat_tie_break`: no free column needs language training, so each costs 0, 1 or 2 by the
preferences alone).  HiGHS' dual simplex, which crashes every fresh master
(`solver.master.CRASH_WITH_HIGHS`), crawls on such costs: on hard L seeds 0-1 with free
training (`language_months_per_level` 0), 9.0-11.9 s and 36,000-37,000 iterations (0.25-0.33
ms each, against 0.05 ms on tier 3's first master), where GLOP from tier 3's optimal basis
took all of tier 4 in 2.0-2.4 s: rounds of 29.8 and 34.6 s took 21.5 and 23.8 s.  On the
generator's own rounds, whose tie-break has training months, afresh stays cheaper (tier 4
from tier 3's master: seeds 0-11 side by side +3.1 %) (docs/benchmarks-solver.md,
twenty-second session)."""
DEFER = True
"""Whether a fractional vertex of an integral LP optimum may be proven by a later tier's vertex
(`TierEngine`); off, it goes straight to `certified_mip` (tests force both paths)."""


@dataclass
class TierOutcome:
    value: int
    bound: int
    optimal: bool
    seconds: float
    method: str = "mip"


@dataclass
class Solution:
    x: Flows
    tiers: list[TierOutcome] = field(default_factory=list)
    lp_bound: float | None = None

    @property
    def optimal(self) -> bool:
        return len(self.tiers) >= 3 and all(t.optimal for t in self.tiers[:3])


def flat_tie_break(tie_break: FloatArray, lp: LinearModel) -> bool:
    """Whether tier 4's objective (``3 x months - preferences met``, minimised) charges no free
    column of ``lp`` a training month: its costs are then 0, -1 or -2, the preferences alone."""
    return not bool((tie_break[free_columns(lp)] > 0).any())


@dataclass(frozen=True)
class RoundedVertex:
    """An LP vertex rounded in place by `integral_vertex`: ``x`` is the LP solution's own
    array, and ``at`` the entries the rounding moved, whose LP values were ``was``."""

    x: FloatArray
    at: IntArray
    was: FloatArray

    def put_back(self) -> None:
        """``x`` the LP's vertex again, for a path that reads it as the LP left it."""
        self.x[self.at] = self.was


def integral_vertex(lp: LinearModel, sol: LpSolution, n: int) -> RoundedVertex | None:
    """The LP optimum rounded, if it is integral and satisfies every bound and row exactly.

    ``sol.x`` is rounded in place (`round_in_place`), not copied: a copy was 8 bytes a
    column, held beside the vertex through its checks and `keep_face`, where hard XL seed 33
    peaked (docs/benchmarks-solver.md, thirty-eighth session).  When the rounded point fails
    a bound or a row, the LP's values are put back and None is returned."""
    if sol.x is None or sol.x.size != lp.ncols:
        return None
    if n and not largest_rounding(sol.x, n) <= INTEGRALITY_TOL:  # compiled: no temporaries
        return None
    vertex = RoundedVertex(sol.x, *round_in_place(sol.x))
    if not lp.holds(vertex.x):  # the dense rows of proven tiers included
        vertex.put_back()
        return None
    return vertex


def keep_face(lp: LinearModel, sol: LpSolution, x: FloatArray, scale: float, n: int) -> bool:
    """Restrict ``lp`` to the LP's optimal face (complementary slackness with its duals).

    ``x`` is the LP's optimal vertex, integral or not; ``scale`` its objective's
    (`solver.backends.cost_scale`), which the tolerance is relative to.  Columns with a
    nonzero reduced cost are fixed at the bound they sit at, rows (dense ones included) with a
    nonzero dual become equalities at the bound they meet: every optimum of the LP does the
    same.  False (``lp`` untouched) when the duals and ``x`` disagree beyond a tolerance.
    """
    cd, rd, at = sol.reduced_cost, sol.row_dual, sol.priced
    nall = lp.nrows + len(lp.extra)
    if cd is None or rd is None or rd.size < nall or not sol.reduced_costs_fit(lp.ncols):
        return False
    tol = DUAL_TOL * scale
    # the columns' pass compiled, in place (`solver.compiled_face`): after tier 1 nearly every
    # class pair is priced, and numpy's pass held some 40 bytes a pair at once; the columns
    # outside ``at`` (when the LP priced some alone) are fixed at 0 already
    bounds = (cd, at, x, lp.col_lo, lp.col_hi, n, tol, SNAP_TOL)
    if not priced_columns_at_bounds(*bounds, False):
        return False
    rows = np.flatnonzero(np.abs(rd[:nall]) > tol)
    every, lo, hi = lp.activity(x)
    act, rlo, rhi = every[rows], lo[rows], hi[rows]
    r_lo, r_hi = at_bound(act, rlo, SNAP_TOL), at_bound(act, rhi, SNAP_TOL)
    if not (r_lo | r_hi).all():
        return False
    priced_columns_at_bounds(*bounds, True)  # each priced column fixed where it sits
    lp.pin_rows(rows, np.where(r_lo, rlo, rhi))
    return True


@dataclass(frozen=True)
class Saved:
    """An LP's bounds as they were, to restore (`snapshot`, `restore`): its columns' as the
    columns with a bound off 0, the rest of them fixed at 0.  After tier 1's face nearly every
    class pair is fixed at 0, and two full copies of the column bounds (16 bytes a class pair)
    were held through every tier after a deferred one: hard XL seed 1 peaked there
    (docs/benchmarks-solver.md, twenty-ninth session)."""

    cols: IntArray
    col_lo: FloatArray
    col_hi: FloatArray
    row_lo: FloatArray
    row_hi: FloatArray
    extra: list[list[FloatArray | float]]


@dataclass
class Deferred:
    """A tier kept by its LP face from a fractional vertex, proven by a later vertex or not."""

    tier: int
    value: int
    seconds: float
    saved: Saved
    x: FloatArray  # the LP's vertex, its class pairs the next tiers' start


def snapshot(lp: LinearModel) -> Saved:
    """The bounds `keep_face` (and the tiers after it) change, to restore them."""
    cols = np.flatnonzero((lp.col_lo != 0.0) | (lp.col_hi != 0.0))
    return Saved(
        cols,
        lp.col_lo[cols],
        lp.col_hi[cols],
        lp.row_lo.copy(),
        lp.row_hi.copy(),
        [list(e) for e in lp.extra],
    )


def restore(lp: LinearModel, saved: Saved) -> None:
    """The bounds of a `snapshot` back in ``lp``, whatever changed since."""
    lp.col_lo[:] = 0.0
    lp.col_hi[:] = 0.0
    lp.col_lo[saved.cols] = saved.col_lo
    lp.col_hi[saved.cols] = saved.col_hi
    lp.row_lo[:], lp.row_hi[:] = saved.row_lo, saved.row_hi
    lp.extra[:] = [list(e) for e in saved.extra]


@dataclass(frozen=True)
class SolvedLp:
    """A tier's optimal LP as the steps after `TierEngine.lp_step` read it."""

    tier: int
    lps: LpSolution
    cap: int | None
    """The most an integer point reaches (`integer_cap` of the LP optimum)."""
    reachable: bool
    """Whether ``cap`` is the LP optimum itself: an integer point may lie on the LP's face."""
    scale: float
    """The objective's scale (`cost_scale`), which the face's tolerances are relative to."""
    t0: float
    """When the tier began (`time.monotonic`)."""


Next = int | None
"""What a step of the engine returns: the tier to solve next (a later one, the same one again,
or an earlier deferred one), or None when the round stops there."""


class TierEngine:
    """One round's tiers, solved in order (module docstring): the state the steps share, and
    the steps.

    `run` asks one step per pass for the tier to solve next (`Next`): `pooled_step` (tier 2's
    bound on the LP path), `lp_step` (tiers 1, 3 and 4 on the LP path: a failed LP goes on
    to `lp_failed`, an optimal vertex to `vertex_step`, and a fractional one the face cannot
    keep from there to `certify_step`), or `mip_step` (the MIP path).  Each step reads and
    writes the state below; none loops.  The moves:

    ====================  ==========================================================
    next                  when
    ====================  ==========================================================
    tier + 1              the tier proven (`proven_step`, `mip_step`), or deferred: its
                          face kept by the duals for a later integral vertex to prove
    3, from 2             tier 2's level zc bounded and imposed (`pooled_step`)
    2, again              the pooled bound failed: the fill duals; they failed: the
                          MIP path
    3, again              tier 3's LP infeasible: zc proven out, one level down
                          (`lp_failed`, `MAX_DESCENTS` times)
    2, from 3             `give_up_zc`: tier 3 could not prove zc
    the first deferred    `undefer`: no later vertex proved it; its MIP next
    the same, as a MIP    its LP failed, or no certificate held (``lp_mode`` off)
    None (stop)           the time limit, tier 4 kept as tier 3 left it, or a MIP not
                          proven
    ====================  =========================================================="""

    def __init__(
        self,
        m: Tiered,
        *,
        deadline: float,
        started: float,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        start: Flows | None = None,
        lp_first: bool = True,
    ) -> None:
        """The engine for the model ``m``, to run until ``deadline`` (``started``: when the
        round began, for the progress events).  ``start`` (`Flows`, of the type
        `solver.greedy.greedy_flows` chose: int32 on every real round) is the incumbent
        itself: each better solution is written over it in place, so that a round holds one
        full-length incumbent, not its start besides (4 bytes a class pair;
        docs/benchmarks-solver.md, twenty-sixth and thirtieth sessions)."""
        self.m = m
        self.lp = lp = m.lp
        self.deadline = deadline
        self.started = started
        self.on_progress = on_progress
        if start is None:
            hi = float(lp.col_hi[: m.n].max(initial=0.0))
            start = np.zeros(m.n, dtype=flow_type(hi))
        self.x: Flows = np.asarray(start)  # the incumbent, written over in place
        self.sol = Solution(x=self.x)
        self.lp_mode = lp_first and not m.has_binaries and m.n > 0  # else the MIP path
        self.proven: dict[int, int] = {}
        self.outcomes: dict[int, TierOutcome] = {}
        self.zc = 0  # tier 2's level, which tier 3 proves (the LP path)
        self.out_level: int | None = None  # the lowest level tier 3 proved no integer reaches
        self.descents = 0  # levels below tier 2's LP bound tried in tier 3 (MAX_DESCENTS)
        self.t2_seconds = 0.0
        self.t2_how = "lp"
        self.fill_saved = self.lp.row_lo[m.fill_rows].copy()
        self.warm: IntArray | None = None  # columns of the last LP, in the next tier's master
        self.deferred: list[Deferred] = []  # tiers kept by their LP face, proven by a later vertex
        self.defer = DEFER  # whether a tier may be deferred (not again once a deferral failed)
        self.pooled_failed = False  # tier 3 could not prove the pooled bound: the fill duals
        self.points: list[FloatArray] = []  # the pooled LPs' fill vectors, for the fill duals
        # the last master of tier 1, for the pooled LPs (same face, another objective), and of
        # tier 3, for tier 3 one level down (same LP, lower fill bounds): retargeted, not rebuilt
        self.kept = KeptMaster()
        self.kept_by_value: set[int] = set()  # tiers proven off their LP's face (near_face)

    # ------------------------------------------------------------------ the loop

    def run(self) -> Solution:
        """The tiers from 1 on, one step a pass, until a step stops the round or tier 4 is
        done."""
        m = self.m
        tier: Next = 1
        while tier is not None and tier <= 4:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                break
            self.emit(tier, m.tier_value(tier, self.x), None)
            t0 = time.monotonic()
            if self.lp_mode and m.n > RELEASE_FREED_ABOVE:
                # the last tier's LP, vertex and objective are gone with its step; on a large
                # round the heap's freed pages are handed back before this tier's are made
                release_freed()
            if self.lp_mode and tier == 2:
                tier = self.pooled_step(t0, remaining)
            elif self.lp_mode:
                tier = self.lp_step(tier, t0, remaining)
            else:
                tier = self.mip_step(tier, t0, remaining)
        self.record_deferred(False)
        if 2 not in self.outcomes and 3 in self.outcomes:
            self.record(2, m.tier_value(2, self.x), self.zc, False, self.t2_seconds, self.t2_how)
        self.sol.tiers = [self.outcomes[k] for k in sorted(self.outcomes)]
        return self.sol

    # ------------------------------------------------------------------ bookkeeping

    def emit(self, tier: int, value: int, bound: int | None) -> None:
        if self.on_progress:
            self.on_progress(
                ProgressEvent(
                    tier=tier,
                    tier_name=TIER_NAMES[tier - 1],
                    incumbent=float(value),
                    bound=None if bound is None else float(bound),
                    elapsed=time.monotonic() - self.started,
                )
            )

    def record(self, tier: int, value: int, bound: int, ok: bool, secs: float, how: str) -> None:
        self.outcomes[tier] = TierOutcome(value, bound, ok, secs, how)
        self.emit(tier, value, bound)

    def record_deferred(self, ok: bool) -> None:
        """The deferred tiers, proven by the incumbent (an integral vertex on their faces) or
        not."""
        for d in self.deferred:
            value = d.value if ok else self.m.tier_value(d.tier, self.x)
            if ok:
                self.proven[d.tier] = d.value
            self.record(d.tier, value, d.value, ok, d.seconds, "lp-face")
        self.deferred.clear()

    @functools.cached_property
    def fills(self) -> FillRows:
        """Tier 2's fill rows by column (`solver.fill_rows`), cut once, when tier 2 first
        bounds its level."""
        return FillRows.of(self.lp, self.m.fill_rows, self.m.z)

    def set_z(self, low: float, up: float) -> None:
        self.lp.col_lo[self.m.z], self.lp.col_hi[self.m.z] = low, up

    def fix(self, tier: int, value: int) -> None:
        """A proven tier kept at its optimum: a dense row (tier 2: z's lower bound); the MIP
        path's, or the LP path's when `keep_near_face` cannot keep it."""
        if tier == 2:
            self.set_z(float(value), 1000.0)
            return
        sense = -1.0 if tier == 4 else 1.0
        self.lp.extra.append([max_form(self.m, tier), sense * float(value), np.inf])

    def current(self) -> Start:
        """Where the next LP starts: the last deferred tier's vertex, else the incumbent; the
        class pairs' part alone, as it is (the columns after it at 0), not a full-length copy
        (8 bytes a class pair)."""
        if self.deferred:
            return self.deferred[-1].x[: self.m.n]
        return self.x

    def needs(self, level: int) -> FloatArray:
        """The fill rows' lower bounds at tier-2 level ``level``."""
        need = np.array([-(-r * level // 1000) * 1000 for r in self.m.fill_req], dtype=float)
        out: FloatArray = np.maximum(self.fill_saved, need)
        return out

    def fills_bind(self) -> bool:
        """Whether some fill row needs a worker: the fill rows then link every cadre, and
        the LP is one block (`solver.blocks` would spend 0.1-0.2 s a hard L tier finding
        that out)."""
        return bool((self.lp.row_lo[self.m.fill_rows] > 0).any())

    def set_need(self, level: int) -> None:
        """Tier 2 at ``level`` or more: every fill at least ``ceil(requested level / 1000)``."""
        self.lp.row_lo[self.m.fill_rows] = self.needs(level)

    def rounding_limit(self) -> float:
        return min(ROUNDING_SECONDS, max(0.0, self.deadline - time.monotonic()))

    def meets_proven(self, xs: Counts) -> bool:
        """Whether ``xs`` keeps every proven tier at its optimum."""
        return all(self.m.tier_value(k, xs) == v for k, v in self.proven.items())

    def meets_deferred(self, xs: Counts) -> bool:
        """Whether ``xs`` reaches every deferred tier's LP value (which proves them)."""
        return all(self.m.tier_value(d.tier, xs) == d.value for d in self.deferred)

    # ------------------------------------------------------------------ back to earlier tiers

    def give_up_zc(self) -> int:
        """Tier 3 could not prove zc: the tier to solve next.  The fill duals when zc was the
        pooled bound, else the first deferred tier, else tier 2 as a MIP below zc."""
        self.lp.row_lo[self.m.fill_rows] = self.fill_saved
        if not self.pooled_failed and self.m.servable:
            self.pooled_failed = True
            return 2
        if self.deferred:
            return self.undefer()
        self.set_z(0.0, float(self.zc))
        self.lp_mode = False
        return 2

    def undefer(self) -> int:
        """Back to the first deferred tier, to be proven by its MIP: the tier to solve next."""
        self.out_level = None  # proven on the deferred faces, which may have been too narrow
        first = self.deferred[0]
        restore(self.lp, first.saved)
        self.deferred.clear()
        self.defer = False
        return first.tier

    # ------------------------------------------------------------------ the steps

    def pooled_step(self, t0: float, remaining: float) -> Next:
        """Tier 2 on the LP path: an integer upper bound zc of its level (the max-z LP on a
        round solved whole, else the pooled fill, else the fill rows' best weights), imposed
        on the fill rows for tier 3 to prove."""
        m, lp = self.m, self.lp
        if not m.servable:
            zstar = 0.0
        elif not self.pooled_failed:
            # tier 2's bound (solver.pooled), proven by tier 3 or given up there
            self.set_z(0.0, 0.0)
            if WHOLE_TIER_2 and solved_whole(lp):
                # a round whose LP is solved whole: the max-z LP itself
                pooled = max_fill_bound(lp, self.fills, m.z, self.current(), time_limit=remaining)
                self.t2_how = "lp"
            else:
                pooled = pooled_fill_bound(
                    lp,
                    self.fills,
                    m.fill_req,
                    m.z,
                    self.current(),
                    time_limit=remaining,
                    warm=self.warm,
                    keep=self.kept,
                )
                pooled = sharpened(
                    pooled,
                    lp,
                    self.fills,
                    m.fill_req,
                    m.z,
                    self.current(),
                    time_limit=self.deadline - time.monotonic(),
                    keep=self.kept,
                )
                self.t2_how = "pooled"
            self.kept.drop()  # tier 3 starts afresh: the kept master's basis did not help
            if pooled.outcome == Outcome.LIMIT:
                self.record(2, m.tier_value(2, self.x), 1000, False, time.monotonic() - t0, "lp")
                return None
            if pooled.bound is None:
                self.pooled_failed = True
                return 2
            zstar, self.warm, self.points = pooled.bound, pooled.support, pooled.points
        else:
            # tier 3 could not prove the pooled bound: the fill rows' best weights instead
            dual = fill_dual_bound(
                lp,
                self.fills,
                m.fill_req,
                m.z,
                self.current(),
                self.points,
                time_limit=remaining,
                warm=self.warm,
            )
            if dual.outcome == Outcome.LIMIT:
                value = m.tier_value(2, self.x)
                self.record(2, value, 1000, False, time.monotonic() - t0, "fill-duals")
                return None
            if dual.bound is None:
                if self.deferred:
                    return self.undefer()
                self.lp_mode = False
                return 2
            zstar = dual.bound
            self.warm = dual.support if dual.support is not None else self.warm
            self.t2_how = "fill-duals"
        self.zc = int(min(1000, max(0, np.floor(zstar + 1e-6))))
        if self.out_level is not None:
            self.zc = max(0, min(self.zc, self.out_level - 1))
        self.descents = 0
        self.set_z(0.0, 0.0)
        self.set_need(self.zc)
        self.t2_seconds += time.monotonic() - t0
        return 3

    def lp_step(self, tier: int, t0: float, remaining: float) -> Next:
        """Tier 1, 3 or 4 on the LP path: its LP by column generation, and what its outcome
        leads to (`vertex_step`, `lp_failed`, or the time limit)."""
        m, lp, kept = self.m, self.lp, self.kept
        cost = m.objective(tier)
        # tier 4 goes on from tier 3's master when its tie-break is flat, else afresh
        warm_tier_4 = tier == 4 and FLAT_TIE_BREAK_WARM and flat_tie_break(cost, lp)
        if tier == 4:
            if not warm_tier_4:
                kept.drop()  # tier 3's master is done with: tier 4 starts afresh (measured)
            off_face = lp.has_dense_rows() or 3 in self.kept_by_value
            if off_face and not self.deferred and m.n > TIER4_MIP_MAX_PAIRS:
                # tier 3 proven off its LP's face (or a tier kept by a dense row, which links
                # every column): the tie-break LP over it took 108 s on hard L seed 4 with a
                # value row, 3-17 s on seeds 49, 53 and 56 with tier 3's budget row
                # (`solver.near_face`) against about 1.3 s; tier 3's solution stays
                value = m.tier_value(4, self.x)
                self.record(4, value, value, False, 0.0, "kept")
                return None
        sense = -1.0 if tier == 4 else 1.0
        # maximised, as `max_form` makes it (here after the tie-break's own sign was read)
        cost *= sense
        always = self.warm
        if tier in (3, 4) and GREEDY_SEEDS and kept.master is None:
            # a fresh master (not tier 3 one level down): the greedy's columns join it
            seeds = m.likely_columns(cost)
            always = seeds if self.warm is None else np.union1d(self.warm, seeds)
        lps = solve_lp_columns(
            lp,
            cost,
            time_limit=remaining,
            start=self.current(),
            always=always,
            keep=kept if tier in (1, 3) or (tier == 4 and warm_tier_4) else None,
            split=not self.fills_bind(),
            elastic=ELASTIC_TIER_3 and tier == 3,
        )
        # tier 1's whole last master starts tier 2; later tiers start from a support
        if tier == 1:
            self.warm = lps.columns if lps.columns is not None else self.warm
        elif lps.x is not None:
            self.warm = support(lps)
        if lps.outcome == Outcome.LIMIT:
            self.record_deferred(False)
            if tier >= 3 and 2 not in self.outcomes:
                value = m.tier_value(2, self.x)
                self.record(2, value, self.zc, False, self.t2_seconds, self.t2_how)
            bound = {1: m.trivial_bound1, 3: m.trivial_bound3}.get(tier, m.tier_value(tier, self.x))
            self.record(tier, m.tier_value(tier, self.x), bound, False, time.monotonic() - t0, "lp")
            return None
        if lps.outcome != Outcome.OPTIMAL:
            return self.lp_failed(tier, lps, t0)
        if tier == 1 and lps.objective is not None:
            self.sol.lp_bound = float(lps.objective)
        b = lps.objective
        # the most an integer point reaches; when that is b, such a point lies on b's face
        cap = None if b is None else integer_cap(b, objective_step(cost))
        reachable = b is not None and cap is not None and on_lattice(b, cap)
        # the objective let go: held through the vertex's rounding, its checks and keep_face
        # beside the LP's vertex, reduced costs and the rounded point, where hard XL seed 25
        # peaked after tier 1 (8 bytes a class pair; docs/benchmarks-solver.md, thirty-fourth
        # session); the paths that read more than its scale make it again (`max_form`)
        scale = cost_scale(cost)
        del cost
        return self.vertex_step(SolvedLp(tier, lps, cap, reachable, scale, t0))

    def vertex_step(self, solved: SolvedLp) -> Next:
        """A tier's optimal LP vertex: integral, or rounded on the face, it proves the tier
        (`proven_step`) once its face is kept; fractional, the tier is deferred with its face
        kept by the duals, or (tier 4 on a large round) left as tier 3 made it, or proven by
        `certify_step`."""
        m, lp = self.m, self.lp
        tier, lps, reachable = solved.tier, solved.lps, solved.reachable
        scale, t0 = solved.scale, solved.t0
        b = lps.objective
        vertex = integral_vertex(lp, lps, m.n)
        xf = None if vertex is None else vertex.x
        if xf is None and b is not None and (tier == 4 or reachable):
            # a fractional vertex of an integral optimum: rounded on the face, if it can be
            xf = round_on_face(
                lp, lps, max_form(m, tier), m.n, time_limit=self.rounding_limit(), seed=m.seed
            )
            rounded = xf is not None
        else:
            rounded = False
        # the class pairs' part of the vertex as it is (integral): not an int64 copy, 8 bytes
        # a class pair held through the checks, keep_face and the incumbent's update
        cand: Counts | None = None if xf is None else xf[: m.n]
        ok = cand is not None and self.meets_proven(cand)
        ok = ok and self.meets_deferred(cand)  # type: ignore[arg-type]
        if ok and tier == 3:
            ok = m.tier_value(2, cand) == self.zc  # type: ignore[arg-type]
        if ok and tier < 4:
            ok = keep_face(lp, lps, xf, scale, m.n)  # type: ignore[arg-type]
        if not ok and vertex is not None:
            vertex.put_back()  # the paths below read the LP's own vertex
        if not ok and self.deferred and tier == 4:
            # no integral vertex on the deferred faces: the first deferred tier by its MIP
            return self.undefer()
        if not ok and tier < 4 and self.defer and lps.x is not None:
            # a fractional vertex of an integral LP optimum: keep its face by the duals and
            # let a later tier's integral vertex prove it (it reaches the LP's value)
            saved = snapshot(lp)
            if b is not None and reachable and keep_face(lp, lps, lps.x, scale, m.n):
                seconds = time.monotonic() - t0
                self.deferred.append(Deferred(tier, int(round(b)), seconds, saved, lps.x))
                return tier + 1
        how = "lp+round" if rounded else "lp"
        if not ok and tier == 4 and m.n > TIER4_MIP_MAX_PAIRS:
            # tier 4 is the implementation's (MATCHING.md section 4): on a large round a
            # fractional vertex leaves tier 3's solution as it is, rather than a MIP
            lpb = lps.objective if lps.objective is not None else -m.tier_value(4, self.x)
            bound = -integer_cap(lpb, 1)
            self.record(4, m.tier_value(4, self.x), bound, False, time.monotonic() - t0, "kept")
            return None
        if not ok or cand is None:
            return self.certify_step(solved, how)
        return self.proven_step(tier, cand, how, t0)

    def lp_failed(self, tier: int, lps: LpSolution, t0: float) -> Next:
        """A tier's LP neither optimal nor stopped by the limit.  Tier 3 infeasible: no integer
        reaches tier 2's level zc, so the next level down that the LP's certificate does not
        prove out too (`MAX_DESCENTS` times), else `give_up_zc`; otherwise the first deferred
        tier, else the MIP path."""
        if tier == 3 and lps.outcome == Outcome.INFEASIBLE:
            self.out_level = self.zc  # no integer reaches zc: its rounded-up fills are infeasible
            if self.zc > 0 and self.descents < MAX_DESCENTS:
                self.zc, self.descents = self.zc - 1, self.descents + 1
                if lps.row_dual is not None:
                    # the levels below that the same certificate proves out
                    self.zc = level_left(
                        self.lp, lps.row_dual, self.m.fill_rows, self.needs, self.zc
                    )
                    self.out_level = self.zc + 1
                self.t2_seconds += time.monotonic() - t0
                self.set_need(self.zc)
                return 3
        if tier == 3:
            return self.give_up_zc()
        if self.deferred:
            return self.undefer()
        self.lp_mode = False
        return tier

    def certify_step(self, solved: SolvedLp, how: str) -> Next:
        """A fractional vertex the face could not keep: the tier proven at the lattice's cap
        below its LP optimum (`rounded_to_cap`, `master_mip`), else by the MIP over the columns
        its reduced costs allow (`certified_mip`), and kept near its face (`keep_near_face`) or
        by a dense row; failing all, tier 3 gives its level up, others go to the MIP path."""
        tier, lps, cap, reachable = solved.tier, solved.lps, solved.cap, solved.reachable
        scale, t0 = solved.scale, solved.t0
        m = self.m
        certified = None
        if not reachable and tier < 4 and cap is not None:
            # no integer point on the face: one at the lattice's cap below it proves the tier
            # too, if the vertex rounds to it
            certified = rounded_to_cap(m, tier, lps, max_form(m, tier), cap, self.rounding_limit())
            how = "lp+round" if certified is not None else how
            if certified is None:
                limit = min(MASTER_MIP_SECONDS, self.deadline - time.monotonic())
                certified = master_mip(m, tier, lps, cap, limit)
                how = "lp+mip" if certified is not None else how
        if certified is None:
            certified = certified_mip(m, tier, lps, self.deadline - time.monotonic())
            how = "lp+mip"
        if certified is not None and not self.meets_proven(certified[0]):
            certified = None  # off an earlier tier's optimum: never kept
        if certified is None or (tier == 3 and m.tier_value(2, certified[0]) < self.zc):
            if tier == 3:
                return self.give_up_zc()
            if certified is None and time.monotonic() >= self.deadline:
                value = m.tier_value(tier, self.x)
                sense = -1 if tier == 4 else 1
                top = cap if cap is not None else int(sense * value)  # max form
                bound = top if tier < 4 else -top
                self.record(tier, value, bound, False, time.monotonic() - t0, "lp+mip")
                return None
            self.lp_mode = False
            return tier
        cand = certified[0]
        if not self.meets_deferred(cand):
            return self.undefer()
        self.kept_by_value.add(tier)
        if tier == 4 or not keep_near_face(self.lp, lps, scale, float(certified[1])):
            self.fix(tier, certified[1])
        return self.proven_step(tier, cand, how, t0)

    def proven_step(self, tier: int, cand: Counts, how: str, t0: float) -> Next:
        """Tier ``tier`` proven at ``cand`` (the LP path): the incumbent, the deferred tiers
        it proves, tier 2's level (proven by tier 3's point), and on to the next tier."""
        m = self.m
        self.x[:] = cand
        self.record_deferred(True)
        if tier >= 3 and 2 not in self.outcomes:
            self.proven[2] = self.zc
            self.record(2, self.zc, self.zc, True, self.t2_seconds, self.t2_how)
        value = m.tier_value(tier, self.x)
        self.proven[tier] = value
        self.record(tier, value, value, True, time.monotonic() - t0, how)
        return tier + 1

    def mip_step(self, tier: int, t0: float, remaining: float) -> Next:
        """The MIP path: the tier as a MIP over every column (`mip_tier`), fixed at its proven
        optimum by a row; the round stops at a tier the MIP does not prove."""
        if tier == 2 and 2 not in self.proven and self.lp.col_hi[self.m.z] == 0.0:
            self.set_z(0.0, 1000.0)
        found, value, bound, ok = mip_tier(self.m, tier, self.x, remaining)
        self.x[:] = found
        self.record(tier, value, bound, ok, time.monotonic() - t0, "mip")
        if not ok:
            return None
        self.proven[tier] = value
        self.fix(tier, value)
        return tier + 1
