"""The model of a round (spec sections 3-4): the class-pair columns, the rules' rows, the tiers.

One integer column per eligible *class* pair (`solver.classes`), one binary per (origin,
destination) whose eligible pairs do not all reach the pair minimum benefit on their own (C4),
and ``z``, tier 2's minimum fill.  `RoundModel` composes the rows of `solver.constraints` (one
builder per rule C1-C4, plus tier 2's fill rows) into one `LinearModel` of numpy arrays, and
hands it to the tier engine (`solver.tiers`), which solves it with OR-Tools (`solver.backends`).

Tier objectives (all with integer coefficients):

1. priority_fill (max)
2. min_fill_permille: max integer z in [0, 1000] with ``1000 filled(t) >= requested(t) z`` for
   every servable destination t
3. benefit_usd (max)
4. deterministic tie-break (min): per worker, ``3 x language-training months - preferences met``
   (a training month outweighs both preferences); the optimisers run single-threaded and
   deterministic, and class flows are split to postings in id order, so equal inputs give equal
   results.

The incumbent starts as the greedy-by-priority solution on class pairs (`solver.greedy`), so a
time limit never leaves the round empty when greedy places someone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, Outcome, solve_lp
from solver.classes import Pairs
from solver.compiled_values import (
    Counts,
    Flows,
    integer_chunks,
    largest_by,
    tie_break_total,
    totals_by,
    weighted_total,
)
from solver.constraints import (
    Group,
    PairAttributes,
    Rows,
    c1_capacity,
    c2_agreement_quota,
    c3_depletion_cap,
    c4_pair_minimum_benefit,
    c4_perspective,
    groups_by,
    min_fill,
    pair_attributes,
    side_groups,
)
from solver.eligibility import Context
from solver.greedy import greedy_columns, greedy_flows
from solver.schema import ProgressEvent
from solver.tiers import TIER_NAMES, Solution, TierEngine, TierOutcome

__all__ = [
    "TIER_NAMES",
    "Group",
    "PairAttributes",
    "RoundModel",
    "Solution",
    "TierOutcome",
    "pair_attributes",
    "side_groups",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PERSPECTIVE_MAX_PAIRS = 200_000
"""Class pairs up to which a C4 round's tier-1 MIP is given its per-pair rows
(`RoundModel.mip_model`).  Above `solver.backends.PRESOLVE_MAX_COLUMNS` HiGHS solves the
MIP without presolve; on hard L with a 100,000 USD minimum (860,116 class pairs) it found
nothing better than the greedy start in 60 s either way, and overran the limit by 5 s more
with the rows (docs/benchmarks-solver.md, thirty-sixth session)."""


class RoundModel:
    """The model of one round over eligible class pairs, solved tier by tier."""

    def __init__(self, ctx: Context, pairs: Pairs, *, seed: int = 0, lp_first: bool = True) -> None:
        self.ctx = ctx
        self.lp_first = lp_first
        self.seed = seed
        self.pairs = pairs
        every = pair_attributes(ctx, pairs)
        self.attrs = attrs = every.for_tiers()
        self.groups = side_groups(ctx, pairs, every)
        del every  # the origins, cadres and modalities, before the rows are laid out
        n = len(pairs)
        dcap = np.array([c.total for c in pairs.deposits], dtype=np.int64)
        wcap = np.array([c.total for c in pairs.withdrawals], dtype=np.int64)
        self.dcap, self.wcap = dcap, wcap
        self.n = n
        self.c4 = [g for g in self.groups if g.code == "PAIR_MINIMUM_BENEFIT"]
        # the C2 and C3 groups as (pairs, cap), for the greedies of solver.greedy
        self.caps = [(g.pairs, g.cap) for g in self.groups if g.code != "PAIR_MINIMUM_BENEFIT"]
        self.has_binaries = bool(self.c4)
        self.y0 = n
        self.z = n + len(self.c4)
        self.ncols = self.z + 1
        col_hi = self.initial_col_hi()
        ub = col_hi[:n]  # the class pairs' bounds, for the rows' big-M and caps
        rows = Rows()
        c1_capacity(rows, pairs.dep, pairs.wd, dcap, wcap)
        c2_agreement_quota(rows, self.groups, ub)
        c3_depletion_cap(rows, self.groups, ub)
        c4_pair_minimum_benefit(
            rows, self.c4, self.y0, ub, pairs.benefit, int(min(dcap.sum(), wcap.sum()))
        )
        self.perspective: tuple[sp.csc_matrix, FloatArray, FloatArray] | None = None
        if self.c4 and n <= PERSPECTIVE_MAX_PAIRS:  # tier 1's MIP's own rows (`mip_model`)
            tight = Rows()
            c4_perspective(tight, self.c4, self.y0, ub)
            self.perspective = (tight.matrix(self.ncols), tight.lo, tight.hi)
        requested: dict[str, int] = {}
        for w in ctx.scenario.withdrawals:
            requested[w.country] = requested.get(w.country, 0) + w.count
        self.requested = requested
        nt = len(attrs.countries)
        dests = groups_by((attrs.dest,), (nt,), list(range(nt)))
        by_dest = {t: members for t, members in enumerate(dests) if members.size}
        self.servable = sorted(attrs.countries[t] for t in by_dest)
        first, self.fill_req = min_fill(
            rows,
            [(by_dest[attrs.countries.index(t)], requested[t]) for t in self.servable],
            self.z,
        )
        self.fill_rows = np.arange(first, first + len(self.fill_req), dtype=np.int64)
        self.dest_requested = np.zeros(len(attrs.countries), dtype=np.int64)
        for t_name, r in requested.items():
            self.dest_requested[attrs.countries.index(t_name)] = r
        self.dest_servable = np.zeros(len(attrs.countries), dtype=bool)
        self.dest_servable[list(by_dest)] = True
        del dests, by_dest  # the fill rows hold their members now: not held through the layout
        self.lp = LinearModel(
            col_lo=np.zeros(self.ncols),
            col_hi=col_hi,
            integer=np.ones(self.ncols, dtype=bool),
            matrix=rows.matrix(self.ncols),
            row_lo=np.array(rows.lo, dtype=np.float64),
            row_hi=np.array(rows.hi, dtype=np.float64),
        )
        self.row_lo0 = self.lp.row_lo.copy()
        self.row_hi0 = self.lp.row_hi.copy()
        # trivial upper bounds (reported when the limit stops a tier before any bound is known)
        supply = np.bincount(pairs.wd, weights=dcap[pairs.dep], minlength=len(wcap))
        wprio = np.array([c.rep.priority for c in pairs.withdrawals], dtype=np.int64)
        self.trivial_bound1 = int((np.minimum(wcap, supply.astype(np.int64)) * wprio).sum())
        best_ben = largest_by(pairs.wd, pairs.benefit, len(wcap))
        self.trivial_bound3 = int((np.minimum(wcap, supply.astype(np.int64)) * best_ben).sum())

    def mip_model(self, tier: int) -> LinearModel:
        """The model tier ``tier``'s MIP is solved over: the round's, with C4's per-pair rows
        (`solver.constraints.c4_perspective`) for tier 1, which they speed up and tier 2 they
        slow down."""
        if tier != 1 or self.perspective is None:
            return self.lp
        return self.lp.with_rows(*self.perspective)

    def mip_start(self, x: Counts) -> FloatArray:
        """The class pairs' flows ``x`` as a point of every column: each C4 route's binary 1
        where the route carries flow, z at ``x``'s least fill."""
        full = np.zeros(self.ncols)
        full[: self.n] = x
        for k, g in enumerate(self.c4):
            full[self.y0 + k] = float(bool(x[g.pairs].any()))
        full[self.z] = self.tier_value(2, x)
        return full

    # ---------------------------------------------------------------- values

    def objective(self, tier: int) -> FloatArray:
        """Tier ``tier``'s objective over all columns (maximised, but tier 4 minimised)."""
        cost = np.zeros(self.ncols)
        if tier == 1:
            cost[: self.n] = self.attrs.priority
        elif tier == 2:
            cost[self.z] = 1.0
        elif tier == 3:
            cost[: self.n] = self.pairs.benefit
        else:
            cost[: self.n] = 3 * self.pairs.months - self.pairs.prefs
        return cost

    def tier_value(self, tier: int, x: Counts) -> int:
        """Exact integer value of a tier for an integer class-pair solution (int64 flows, or
        an integral vertex as it is), by compiled sums (`solver.compiled_values`)."""
        if tier == 2 and not self.servable:
            return 0
        filled = np.zeros(len(self.attrs.countries), dtype=np.int64)
        total = 0
        for span, part in integer_chunks(x):
            if tier == 1:
                total += weighted_total(self.attrs.priority[span], part)
            elif tier == 2:
                filled += totals_by(self.attrs.dest[span], part, filled.size)
            elif tier == 3:
                total += weighted_total(self.pairs.benefit[span], part)
            else:
                total += tie_break_total(self.pairs.months[span], self.pairs.prefs[span], part)
        if tier == 2:
            t = np.flatnonzero(self.dest_servable)
            return int((1000 * filled[t] // self.dest_requested[t]).min())
        return int(total)

    def likely_columns(self, cost: FloatArray) -> IntArray:
        """The class pairs a greedy by ``cost`` (a tier's objective, maximised) takes within
        the model's current bounds (`solver.greedy.greedy_columns`): seeds for the tier's first
        master."""
        lp = self.lp
        n = self.n
        return greedy_columns(
            self.pairs.dep,
            self.pairs.wd,
            cost[:n],
            self.dcap,
            self.wcap,
            self.caps,
            lp.col_lo[:n],
            lp.col_hi[:n],
        )

    def greedy_start(self) -> Flows:
        """The greedy-by-priority flow on the class pairs (`solver.greedy.greedy_flows`): the
        incumbent a round starts from, and keeps when the limit leaves no time to improve it."""
        pairs = self.pairs
        return greedy_flows(
            pairs.dep,
            pairs.wd,
            self.attrs.priority,
            self.dcap,
            self.wcap,
            self.caps,
            [g.pairs for g in self.c4],
            pairs.benefit,
            self.ctx.scenario.policy.pair_minimum_benefit_usd,
        )

    def initial_col_hi(self) -> FloatArray:
        """The columns' upper bounds as built: a class pair at most the smaller of its two
        classes' totals, a C4 binary 1, and z 0 (tier 2 frees it)."""
        pairs = self.pairs
        col_hi = np.empty(self.ncols)
        ub = col_hi[: self.n]  # written in place: 8 bytes a pair, not five such temporaries
        np.take(self.dcap.astype(np.float64), pairs.dep, out=ub)
        np.minimum(ub, np.take(self.wcap.astype(np.float64), pairs.wd), out=ub)
        col_hi[self.n : self.z] = 1.0
        col_hi[self.z] = 0.0
        return col_hi

    def lp_relaxation_bound(self) -> float:
        """LP relaxation bound of tier 1 on the model as built (for statistics)."""
        lp = LinearModel(
            col_lo=np.zeros(self.ncols),
            col_hi=self.initial_col_hi(),
            integer=self.lp.integer,
            matrix=self.lp.matrix,
            row_lo=self.row_lo0.copy(),
            row_hi=self.row_hi0.copy(),
        )
        sol = solve_lp(lp, self.objective(1), maximize=True, time_limit=3600.0)
        return float(sol.objective or 0.0) if sol.outcome == Outcome.OPTIMAL else 0.0

    # ---------------------------------------------------------------- solving

    def solve(
        self,
        *,
        deadline: float,
        started: float,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        start: Flows | None = None,
    ) -> Solution:
        """Solve the tiers in order until all are proven or the deadline passes.

        ``start`` (a feasible integer class-pair flow, e.g. greedy) is the incumbent until a tier
        finds better, written over in place (`solver.tiers.TierEngine`); it is returned as is
        when the limit leaves no time to improve on it.
        """
        engine = TierEngine(
            self,
            deadline=deadline,
            started=started,
            on_progress=on_progress,
            start=start,
            lp_first=self.lp_first,
        )
        return engine.run()
