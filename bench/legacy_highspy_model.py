"""The previous solver core (highspy), kept only as the benchmark's side-by-side baseline.

One integer variable per eligible *class* pair (`solver.classes`), capacity rows per class (C1),
one row per agreement quota (C2) and per depletion cap (C3), and, when a pair minimum benefit is
set, one binary per (origin, destination) whose eligible pairs do not all reach it on their own
(C4).  The model is built in bulk from numpy arrays (one ``addVars`` and one ``addRows`` call).

Tiers are solved in order on the same HiGHS instance:

1. priority_fill (max)
2. min_fill_permille: max integer z in [0, 1000] with ``1000 filled(t) >= requested(t) z`` for
   every servable destination t
3. benefit_usd (max)
4. deterministic tie-break (min): per worker, ``3 x language-training months - preferences met``
   (a training month outweighs both preferences); HiGHS runs single-threaded with a fixed seed so
   equal inputs give equal solutions.

Two exact paths (all objective coefficients are integers, so a gap below 1 proves a tier):

- **LP path** (no C4 binaries): each tier is first solved as an LP.  When the LP's optimal vertex
  is integral (checked on the rounded vector against every row and bound), the LP optimum is the
  integer optimum, so the integer optima of the tier are exactly the integer points of the LP's
  optimal face; that face is kept for the next tier by complementary slackness (columns with a
  nonzero reduced cost fixed at their value, rows with a nonzero dual made equalities), which
  keeps the constraint matrix unchanged (no dense objective row).  Tier 2 takes
  ``zc = floor(LP max z)`` (an upper bound of the integer optimum) and imposes
  ``filled(t) >= ceil(requested(t) zc / 1000)``; the tier-3 LP over that set being integral
  proves zc achieved, hence optimal.  Any fractional vertex, numerical doubt or earlier tier
  found lower afterwards switches to the MIP path from that tier on.
- **MIP path**: the tier is solved as a MIP from the incumbent (HiGHS ``setSolution``); its proven
  optimum is then fixed with a ``>=`` row on its integer value.

The incumbent starts as the greedy-by-priority solution on class pairs (`solver.greedy`), so a
time limit never leaves the round empty when greedy places someone.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from solver.classes import Pairs
from solver.eligibility import Context
from solver.schema import ProgressEvent

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TIER_NAMES = ("priority_fill", "min_fill_permille", "benefit_usd", "tie_break")
INTEGRALITY_TOL = 1e-6
DUAL_TOL = 1e-7


@dataclass
class Group:
    """A side-constraint row: which pairs it sums and its cap (C2, C3) or minimum (C4)."""

    code: str
    key: tuple[str, ...]
    pairs: IntArray
    cap: int
    label: str = ""
    limit: int | None = None
    """The quota or depletion cap before earlier rounds' usage (``cap`` is net of ``used``)."""
    used: int = 0
    """Placements earlier rounds already count against it (MATCHING.md section 7)."""


@dataclass
class TierOutcome:
    value: int
    bound: int
    optimal: bool
    seconds: float
    method: str = "mip"


@dataclass
class Solution:
    x: IntArray
    tiers: list[TierOutcome] = field(default_factory=list)
    lp_bound: float | None = None

    @property
    def optimal(self) -> bool:
        return len(self.tiers) >= 3 and all(t.optimal for t in self.tiers[:3])


@dataclass
class PairAttributes:
    """Per-pair facts the constraints group on (parallel to `Pairs`), as index arrays."""

    origin: IntArray  # index into countries
    dest: IntArray
    cadre: IntArray  # index into cadres
    reloc: BoolArray
    priority: IntArray
    countries: list[str]
    cadres: list[str]


def pair_attributes(ctx: Context, pairs: Pairs) -> PairAttributes:
    countries = [c.code for c in ctx.scenario.countries]
    cix = {c: i for i, c in enumerate(countries)}
    cadres = sorted(
        {c.rep.cadre for c in pairs.deposits} | {c.rep.cadre for c in pairs.withdrawals}
    )
    kix = {c: i for i, c in enumerate(cadres)}
    d_country = np.array([cix[c.rep.country] for c in pairs.deposits], dtype=np.int64)
    wreps = [c.rep for c in pairs.withdrawals]
    w_country = np.array([cix[w.country] for w in wreps], dtype=np.int64)
    w_cadre = np.array([kix[w.cadre] for w in wreps], dtype=np.int64)
    w_reloc = np.array([w.modality == "relocation" for w in wreps], dtype=bool)
    w_prio = np.array([w.priority for w in wreps], dtype=np.int64)
    return PairAttributes(
        origin=d_country[pairs.dep] if d_country.size else np.zeros(0, dtype=np.int64),
        dest=w_country[pairs.wd] if w_country.size else np.zeros(0, dtype=np.int64),
        cadre=w_cadre[pairs.wd] if w_cadre.size else np.zeros(0, dtype=np.int64),
        reloc=w_reloc[pairs.wd] if w_reloc.size else np.zeros(0, dtype=bool),
        priority=w_prio[pairs.wd] if w_prio.size else np.zeros(0, dtype=np.int64),
        countries=countries,
        cadres=cadres,
    )


def split_by(key: IntArray, mask: BoolArray | None = None) -> dict[int, IntArray]:
    """Pair indices grouped by ``key`` (restricted to ``mask``), each group in increasing order."""
    idx = np.arange(key.size, dtype=np.int64) if mask is None else np.flatnonzero(mask)
    if idx.size == 0:
        return {}
    k = key[idx]
    order = np.argsort(k, kind="stable")
    ks = k[order]
    cuts = np.flatnonzero(np.diff(ks)) + 1
    starts = np.concatenate([[0], cuts])
    chunks = np.split(idx[order], cuts)
    return {int(ks[s]): chunk for s, chunk in zip(starts, chunks, strict=True)}


def side_groups(ctx: Context, pairs: Pairs, attrs: PairAttributes) -> list[Group]:
    """C2 quota rows, C3 depletion rows and C4 pair-minimum groups over eligible pairs."""
    nt, nk = len(attrs.countries), max(1, len(attrs.cadres))
    cix = {c: i for i, c in enumerate(attrs.countries)}
    kix = {c: i for i, c in enumerate(attrs.cadres)}
    o, t, c = attrs.origin, attrs.dest, attrs.cadre
    by_otc = split_by((o * nt + t) * nk + c, attrs.reloc)
    by_oc = split_by(o * nk + c, attrs.reloc)
    groups: list[Group] = []
    # the tightest headroom (quota net of quota_used) among the agreements capping (o, t, c)
    quota: dict[tuple[str, str, str], tuple[int, str, int, int]] = {}
    for (orig, dest), agreements in sorted(ctx.active.items()):
        for a in sorted(agreements, key=lambda a: a.id):
            for cad, q in sorted(a.quotas.items()):
                key = (orig, dest, cad)
                room = ctx.quota_headroom(a, cad)
                assert room is not None
                if key not in quota or room < quota[key][0]:
                    quota[key] = (room, a.id, q, a.quota_used.get(cad, 0))
    for key, (room, aid, q, used) in sorted(quota.items()):
        orig, dest, cad = key
        if orig not in cix or dest not in cix or cad not in kix:
            continue
        members = by_otc.get((cix[orig] * nt + cix[dest]) * nk + kix[cad])
        if members is not None:
            groups.append(Group("AGREEMENT_QUOTA", (*key, aid), members, room, aid, q, used))
    oc_items = sorted(
        ((attrs.countries[k // nk], attrs.cadres[k % nk]), members) for k, members in by_oc.items()
    )
    for (orig, cad), members in oc_items:
        room = ctx.depletion_headroom(orig, cad)
        if room is not None:
            limit = ctx.depletion_cap(orig, cad)
            used = ctx.relocated_recently.get((orig, cad), 0)
            groups.append(Group("DEPLETION_CAP", (orig, cad), members, room, "", limit, used))
    minimum = ctx.scenario.policy.pair_minimum_benefit_usd
    if minimum > 0:
        ot_items = sorted(
            ((attrs.countries[k // nt], attrs.countries[k % nt]), members)
            for k, members in split_by(o * nt + t).items()
        )
        for key2, idx in ot_items:
            if (pairs.benefit[idx] < minimum).any():
                groups.append(Group("PAIR_MINIMUM_BENEFIT", key2, idx, minimum))
    return groups


_banner_shown = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its one-time banner goes to /dev/null, not to our JSON stdout)."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


class RoundModel:
    """The MIP of one round over eligible class pairs, solved tier by tier."""

    def __init__(self, ctx: Context, pairs: Pairs, *, seed: int = 0, lp_first: bool = True) -> None:
        self.ctx = ctx
        self.lp_first = lp_first
        self.pairs = pairs
        self.attrs = attrs = pair_attributes(ctx, pairs)
        self.groups = side_groups(ctx, pairs, attrs)
        n = len(pairs)
        dcap = np.array([c.total for c in pairs.deposits], dtype=np.int64)
        wcap = np.array([c.total for c in pairs.withdrawals], dtype=np.int64)
        self.dcap, self.wcap = dcap, wcap
        ub = (
            np.minimum(dcap[pairs.dep], wcap[pairs.wd]).astype(np.float64)
            if n
            else np.zeros(0, dtype=np.float64)
        )
        self.n = n
        self.c4 = [g for g in self.groups if g.code == "PAIR_MINIMUM_BENEFIT"]
        self.y0 = n
        self.z = n + len(self.c4)
        ncols = self.z + 1
        self.ncols = ncols
        inf = highspy.kHighsInf
        idx: list[IntArray] = []
        val: list[FloatArray] = []
        lo: list[float] = []
        hi: list[float] = []

        def row(i: IntArray, v: FloatArray, low: float, up: float) -> None:
            idx.append(i)
            val.append(v)
            lo.append(low)
            hi.append(up)

        # C1: one row per class that some pair uses and whose cap can bind (> 1 pair)
        for index, caps in ((pairs.dep, dcap), (pairs.wd, wcap)):
            for cls, members in split_by(index).items():
                if members.size > 1:
                    row(members, np.ones(members.size), -inf, float(caps[cls]))
        for g in self.groups:
            if g.code != "PAIR_MINIMUM_BENEFIT" and g.cap < ub[g.pairs].sum():
                row(g.pairs, np.ones(g.pairs.size), -inf, float(g.cap))
        for k, g in enumerate(self.c4):
            y = np.array([self.y0 + k], dtype=np.int64)
            big = float(min(ub[g.pairs].sum(), dcap.sum(), wcap.sum()))
            members = np.concatenate([g.pairs, y])
            row(members, np.concatenate([np.ones(g.pairs.size), [-big]]), -inf, 0.0)
            ben = pairs.benefit[g.pairs].astype(np.float64)
            row(members, np.concatenate([ben, [-float(g.cap)]]), 0.0, inf)
        # tier 2 rows: 1000 filled(t) - requested(t) z >= 0 for servable destinations
        requested: dict[str, int] = {}
        for w in ctx.scenario.withdrawals:
            requested[w.country] = requested.get(w.country, 0) + w.count
        self.requested = requested
        by_dest = split_by(attrs.dest)
        self.servable = sorted(attrs.countries[t] for t in by_dest)
        self.fill_row0 = len(idx)
        zcol = np.array([self.z], dtype=np.int64)
        self.fill_req: list[int] = []
        for t_name in self.servable:
            members = by_dest[attrs.countries.index(t_name)]
            self.fill_req.append(requested[t_name])
            row(
                np.concatenate([members, zcol]),
                np.concatenate([np.full(members.size, 1000.0), [-float(requested[t_name])]]),
                0.0,
                inf,
            )
        self.dest_requested = np.zeros(len(attrs.countries), dtype=np.int64)
        for t_name, r in requested.items():
            self.dest_requested[attrs.countries.index(t_name)] = r
        self.dest_servable = np.zeros(len(attrs.countries), dtype=bool)
        self.dest_servable[list(by_dest)] = True
        # the matrix in CSR form, mirrored for exact checks of LP vertices
        lengths = np.array([a.size for a in idx], dtype=np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.indices = np.concatenate(idx) if idx else np.zeros(0, dtype=np.int64)
        self.values = np.concatenate(val) if val else np.zeros(0, dtype=np.float64)
        self.row_of = np.repeat(np.arange(len(idx), dtype=np.int64), lengths)
        self.nrows = len(idx)
        self.row_lo = np.array(lo, dtype=np.float64)
        self.row_hi = np.array(hi, dtype=np.float64)
        self.col_lo = np.zeros(ncols)
        self.col_hi = np.concatenate([ub, np.ones(len(self.c4)), [0.0]])
        h = new_highs()
        h.setOptionValue("random_seed", int(seed) % 2147483647)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
        h.addVars(ncols, self.col_lo, self.col_hi)
        h.changeColsIntegrality(
            ncols,
            np.arange(ncols, dtype=np.int32),
            np.full(ncols, highspy.HighsVarType.kInteger),
        )
        if self.nrows:
            h.addRows(
                self.nrows,
                self.row_lo,
                self.row_hi,
                int(self.indices.size),
                self.indptr[:-1].astype(np.int32),
                self.indices.astype(np.int32),
                self.values,
            )
        self.h = h
        self.all_idx = np.arange(ncols, dtype=np.int32)
        # trivial upper bounds (reported when the limit stops a tier before any bound is known)
        supply = np.bincount(pairs.wd, weights=dcap[pairs.dep], minlength=len(wcap))
        wprio = np.array([c.rep.priority for c in pairs.withdrawals], dtype=np.int64)
        self.trivial_bound1 = int((np.minimum(wcap, supply.astype(np.int64)) * wprio).sum())
        best_ben = np.zeros(len(wcap), dtype=np.int64)
        if n:
            np.maximum.at(best_ben, pairs.wd, pairs.benefit)
        self.trivial_bound3 = int((np.minimum(wcap, supply.astype(np.int64)) * best_ben).sum())

    def _fix(self, coef: IntArray, value: int) -> None:
        """Add ``coef . x >= value`` (a solved tier kept at its optimum; MIP path)."""
        nz = np.flatnonzero(coef)
        self.h.addRow(
            float(value),
            highspy.kHighsInf,
            int(nz.size),
            nz.astype(np.int32),
            coef[nz].astype(np.float64),
        )

    # ---------------------------------------------------------------- values

    def _objective(self, tier: int) -> FloatArray:
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

    def tier_value(self, tier: int, x: IntArray) -> int:
        """Exact integer value of a tier for an integer class-pair solution."""
        if tier == 1:
            return int((self.attrs.priority * x).sum())
        if tier == 2:
            if not self.servable:
                return 0
            filled = np.bincount(self.attrs.dest, weights=x, minlength=len(self.attrs.countries))
            t = np.flatnonzero(self.dest_servable)
            return int((1000 * filled[t].astype(np.int64) // self.dest_requested[t]).min())
        if tier == 3:
            return int((self.pairs.benefit * x).sum())
        return int(((3 * self.pairs.months - self.pairs.prefs) * x).sum())

    def lp_relaxation_bound(self) -> float:
        """LP relaxation bound of tier 1 (for statistics; solved on a copy)."""
        h = new_highs()
        h.passModel(self.h.getLp())
        h.setOptionValue("solve_relaxation", True)
        h.changeColBounds(self.z, 0.0, 0.0)
        h.changeColsCost(self.ncols, self.all_idx, self._objective(1))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.run()
        return float(h.getInfo().objective_function_value)

    # ---------------------------------------------------------------- LP path

    def _run(self, tier: int, limit: float, *, relaxation: bool) -> highspy.HighsModelStatus:
        h = self.h
        h.changeColsCost(self.ncols, self.all_idx, self._objective(tier))
        sense = highspy.ObjSense.kMinimize if tier == 4 else highspy.ObjSense.kMaximize
        h.changeObjectiveSense(sense)
        h.setOptionValue("time_limit", float(max(limit, 0.01)))
        h.setOptionValue("solve_relaxation", relaxation)
        h.run()
        return h.getModelStatus()

    def _activity(self, xf: FloatArray) -> FloatArray:
        act: FloatArray = np.bincount(
            self.row_of, weights=self.values * xf[self.indices], minlength=self.nrows
        ).astype(np.float64)
        return act

    def _integral_vertex(self) -> FloatArray | None:
        """The LP optimum rounded, if it is integral and satisfies every bound and row exactly."""
        sol = self.h.getSolution()
        v: FloatArray = np.array(sol.col_value, dtype=np.float64)
        if v.size != self.ncols:
            return None
        xf: FloatArray = np.rint(v)
        if self.n and np.abs(v[: self.n] - xf[: self.n]).max() > INTEGRALITY_TOL:
            return None
        if (xf < self.col_lo).any() or (xf > self.col_hi).any():
            return None
        act = self._activity(xf)
        if (act < self.row_lo - 1e-9).any() or (act > self.row_hi + 1e-9).any():
            return None
        return xf

    def _keep_face(self, tier: int, xf: FloatArray) -> bool:
        """Restrict to the LP's optimal face (complementary slackness with the returned duals)."""
        sol = self.h.getSolution()
        cd = np.array(sol.col_dual)
        rd = np.array(sol.row_dual)
        if cd.size != self.ncols or rd.size < self.nrows:
            return False
        tol = DUAL_TOL * max(1.0, float(np.abs(self._objective(tier)).max()))
        cols = np.flatnonzero(np.abs(cd[: self.n]) > tol)
        at_bound = (xf[cols] == self.col_lo[cols]) | (xf[cols] == self.col_hi[cols])
        rows = np.flatnonzero(np.abs(rd[: self.nrows]) > tol)
        act = self._activity(xf)[rows]
        tight = (act == self.row_lo[rows]) | (act == self.row_hi[rows])
        if not (at_bound.all() and tight.all()):
            return False
        if cols.size:
            self.col_lo[cols] = self.col_hi[cols] = xf[cols]
            self.h.changeColsBounds(
                int(cols.size), cols.astype(np.int32), xf[cols].copy(), xf[cols].copy()
            )
        if rows.size:
            self.row_lo[rows] = self.row_hi[rows] = act
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                int(rows.size), rows.astype(np.int32), act.copy(), act.copy()
            )
        return True

    def _set_fill_floor(self, lows: FloatArray) -> None:
        rows = np.arange(self.fill_row0, self.fill_row0 + len(self.fill_req), dtype=np.int64)
        if rows.size == 0:
            return
        self.row_lo[rows] = lows
        self.h.changeRowsBounds(  # type: ignore[attr-defined]
            int(rows.size), rows.astype(np.int32), lows.copy(), self.row_hi[rows].copy()
        )

    def _set_z(self, low: float, up: float) -> None:
        self.col_lo[self.z], self.col_hi[self.z] = low, up
        self.h.changeColBounds(self.z, low, up)

    # ---------------------------------------------------------------- MIP path

    def _mip_tier(self, tier: int, x: IntArray, limit: float) -> tuple[IntArray, int, int, bool]:
        """One tier as a MIP from the incumbent ``x``: (x, value, bound, proven)."""
        h = self.h
        cols = np.zeros(self.ncols)
        cols[: self.n] = x
        for k, g in enumerate(self.c4):
            cols[self.y0 + k] = 1.0 if x[g.pairs].sum() > 0 else 0.0
        cols[self.z] = min(max(self.tier_value(2, x), self.col_lo[self.z]), self.col_hi[self.z])
        h.changeColsCost(self.ncols, self.all_idx, self._objective(tier))
        start = highspy.HighsSolution()
        start.col_value = cols.tolist()
        start.value_valid = True
        h.setSolution(start)
        status = self._run(tier, limit, relaxation=False)
        info = h.getInfo()
        sign = -1 if tier == 4 else 1
        if info.primal_solution_status:
            values = np.array(h.getSolution().col_value[: self.n])
            if values.size == self.n:
                cand = np.rint(values).astype(np.int64)
                if sign * self.tier_value(tier, cand) >= sign * self.tier_value(tier, x):
                    x = cand
        value = self.tier_value(tier, x)
        proven = status == highspy.HighsModelStatus.kOptimal
        if proven:
            return x, value, value, True
        raw = float(info.mip_dual_bound)
        if not np.isfinite(raw):
            bound = {1: self.trivial_bound1, 2: 1000 if self.servable else 0}.get(tier, value)
            bound = self.trivial_bound3 if tier == 3 else bound
        else:
            bound = int(np.floor(raw + 1e-6)) if tier < 4 else int(np.ceil(raw - 1e-6))
        if tier == 1:
            bound = min(bound, self.trivial_bound1)
        return x, value, bound, False

    # ---------------------------------------------------------------- solving

    def solve(
        self,
        *,
        deadline: float,
        started: float,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        start: IntArray | None = None,
    ) -> Solution:
        """Solve the tiers in order until all are proven or the deadline passes.

        ``start`` (a feasible integer class-pair flow, e.g. greedy) is the incumbent until a tier
        finds better; it is returned as is when the limit leaves no time to improve on it.
        """
        x = np.zeros(self.n, dtype=np.int64) if start is None else start.astype(np.int64)
        sol = Solution(x=x)
        lp_mode = self.lp_first and not self.c4 and self.n > 0
        proven: dict[int, int] = {}
        zc = 0
        t2_seconds = 0.0
        fill_saved = self.row_lo[self.fill_row0 : self.fill_row0 + len(self.fill_req)].copy()

        def emit(tier: int, value: int, bound: int | None) -> None:
            if on_progress:
                on_progress(
                    ProgressEvent(
                        tier=tier,
                        tier_name=TIER_NAMES[tier - 1],
                        incumbent=float(value),
                        bound=None if bound is None else float(bound),
                        elapsed=time.monotonic() - started,
                    )
                )

        def record(tier: int, value: int, bound: int, ok: bool, secs: float, how: str) -> None:
            sol.tiers.append(TierOutcome(value, bound, ok, secs, how))
            emit(tier, value, bound)

        def to_mip() -> None:
            """Leave the LP path: proven tiers become dense rows, tier 2 its z bound."""
            nonlocal lp_mode
            lp_mode = False
            if 1 in proven:
                self._fix(self.attrs.priority, proven[1])
            if 3 in proven:
                self._fix(self.pairs.benefit, proven[3])

        tier = 1
        while tier <= 4:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            emit(tier, self.tier_value(tier, x), None)
            t0 = time.monotonic()
            if lp_mode and tier == 2:
                if not self.servable:
                    zstar = 0.0
                else:
                    self._set_z(0.0, 1000.0)
                    status = self._run(2, remaining, relaxation=True)
                    if status == highspy.HighsModelStatus.kTimeLimit:
                        record(2, self.tier_value(2, x), 1000, False, time.monotonic() - t0, "lp")
                        break
                    if status != highspy.HighsModelStatus.kOptimal:
                        self._set_z(0.0, 0.0)
                        to_mip()
                        continue
                    zstar = float(self.h.getSolution().col_value[self.z])
                zc = int(min(1000, max(0, np.floor(zstar + 1e-6))))
                need = np.array([-(-r * zc // 1000) * 1000 for r in self.fill_req], dtype=float)
                self._set_z(0.0, 0.0)
                self._set_fill_floor(np.maximum(fill_saved, need))
                t2_seconds = time.monotonic() - t0
                tier = 3
                continue
            if lp_mode:
                status = self._run(tier, remaining, relaxation=True)
                if status == highspy.HighsModelStatus.kTimeLimit:
                    if tier == 3:
                        record(2, self.tier_value(2, x), zc, False, t2_seconds, "lp")
                    bound = {1: self.trivial_bound1, 3: self.trivial_bound3}.get(
                        tier, self.tier_value(tier, x)
                    )
                    record(
                        tier, self.tier_value(tier, x), bound, False, time.monotonic() - t0, "lp"
                    )
                    break
                xf = (
                    self._integral_vertex() if status == highspy.HighsModelStatus.kOptimal else None
                )
                cand = None if xf is None else xf[: self.n].astype(np.int64)
                ok = cand is not None and all(
                    self.tier_value(k, cand) == v for k, v in proven.items()
                )
                if ok and tier == 3:
                    ok = self.tier_value(2, cand) == zc  # type: ignore[arg-type]
                if ok and tier < 4:
                    ok = self._keep_face(tier, xf)  # type: ignore[arg-type]
                if not ok or cand is None:
                    if tier == 3:
                        # zc unproven: back to tier 2 as a MIP below the LP bound zc
                        self._set_fill_floor(fill_saved)
                        to_mip()
                        self._set_z(0.0, float(zc))
                        tier = 2
                    else:
                        to_mip()
                    continue
                x = cand
                if tier == 1:
                    sol.lp_bound = float(self.tier_value(1, x))
                if tier == 3:
                    proven[2] = zc
                    record(2, zc, zc, True, t2_seconds, "lp")
                value = self.tier_value(tier, x)
                proven[tier] = value
                record(tier, value, value, True, time.monotonic() - t0, "lp")
                tier += 1
                continue
            # MIP path
            if tier == 2 and 2 not in proven and self.col_hi[self.z] == 0.0:
                self._set_z(0.0, 1000.0)
            x, value, bound, ok = self._mip_tier(tier, x, remaining)
            record(tier, value, bound, ok, time.monotonic() - t0, "mip")
            if not ok:
                break
            proven[tier] = value
            if tier == 1:
                self._fix(self.attrs.priority, value)
            elif tier == 2:
                self._set_z(float(value), 1000.0)
            elif tier == 3:
                self._fix(self.pairs.benefit, value)
            tier += 1
        sol.x = x
        return sol
