"""The lexicographic MIP of a round (spec sections 3-4) on the aggregated class-pair model (HiGHS).

One integer variable per eligible *class* pair (`solver.classes`), capacity rows per class (C1),
one row per agreement quota (C2) and per depletion cap (C3), and, when a pair minimum benefit is
set, one binary per (origin, destination) whose eligible pairs do not all reach it on their own
(C4).  Tiers are solved in order on the same HiGHS instance; after each tier its proven optimum is
fixed with a ``>=`` row on its integer value and the solution is passed as a start to the next:

1. priority_fill (max)
2. min_fill_permille: integer z in [0, 1000] with ``1000 filled(t) >= requested(t) z`` for every
   servable destination t (max z)
3. benefit_usd (max)
4. deterministic tie-break (min): per worker, ``3 x language-training months - preferences met``
   (a training month outweighs both preferences); HiGHS runs single-threaded with a fixed seed so
   equal inputs give equal solutions.

All objective coefficients are integers, so a MIP gap below 1 proves a tier optimal.
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
TIER_NAMES = ("priority_fill", "min_fill_permille", "benefit_usd", "tie_break")


@dataclass
class Group:
    """A side-constraint row: which pairs it sums and its cap (C2, C3) or minimum (C4)."""

    code: str
    key: tuple[str, ...]
    pairs: IntArray
    cap: int
    label: str = ""


@dataclass
class TierOutcome:
    value: int
    bound: int
    optimal: bool
    seconds: float


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
    """Per-pair facts the constraints group on (parallel to `Pairs`)."""

    origin: list[str]
    dest: list[str]
    cadre: list[str]
    reloc: npt.NDArray[np.bool_]
    priority: IntArray


def pair_attributes(pairs: Pairs) -> PairAttributes:
    dreps = [c.rep for c in pairs.deposits]
    wreps = [c.rep for c in pairs.withdrawals]
    return PairAttributes(
        origin=[dreps[i].country for i in pairs.dep],
        dest=[wreps[j].country for j in pairs.wd],
        cadre=[wreps[j].cadre for j in pairs.wd],
        reloc=np.array([wreps[j].modality == "relocation" for j in pairs.wd], dtype=bool),
        priority=np.array([wreps[j].priority for j in pairs.wd], dtype=np.int64),
    )


def side_groups(ctx: Context, pairs: Pairs, attrs: PairAttributes) -> list[Group]:
    """C2 quota rows, C3 depletion rows and C4 pair-minimum groups over eligible pairs."""
    by_otc: dict[tuple[str, str, str], list[int]] = {}
    by_oc: dict[tuple[str, str], list[int]] = {}
    by_ot: dict[tuple[str, str], list[int]] = {}
    for p in range(len(pairs)):
        o, t, c = attrs.origin[p], attrs.dest[p], attrs.cadre[p]
        by_ot.setdefault((o, t), []).append(p)
        if attrs.reloc[p]:
            by_otc.setdefault((o, t, c), []).append(p)
            by_oc.setdefault((o, c), []).append(p)
    groups: list[Group] = []
    quota: dict[tuple[str, str, str], tuple[int, str]] = {}
    for (o, t), agreements in sorted(ctx.active.items()):
        for a in sorted(agreements, key=lambda a: a.id):
            for c, q in sorted(a.quotas.items()):
                key = (o, t, c)
                if key not in quota or q < quota[key][0]:
                    quota[key] = (q, a.id)
    for key, (q, aid) in sorted(quota.items()):
        members = by_otc.get(key)
        if members:
            groups.append(Group("AGREEMENT_QUOTA", (*key, aid), np.array(members), q, aid))
    for (o, c), members in sorted(by_oc.items()):
        cap = ctx.depletion_cap(o, c)
        if cap is not None:
            groups.append(Group("DEPLETION_CAP", (o, c), np.array(members), cap))
    minimum = ctx.scenario.policy.pair_minimum_benefit_usd
    if minimum > 0:
        for (o, t), members in sorted(by_ot.items()):
            idx = np.array(members)
            if (pairs.benefit[idx] < minimum).any():
                groups.append(Group("PAIR_MINIMUM_BENEFIT", (o, t), idx, minimum))
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

    def __init__(self, ctx: Context, pairs: Pairs, *, seed: int = 0) -> None:
        self.ctx = ctx
        self.pairs = pairs
        self.attrs = pair_attributes(pairs)
        self.groups = side_groups(ctx, pairs, self.attrs)
        n = len(pairs)
        dcap = np.array([c.total for c in pairs.deposits], dtype=np.int64)
        wcap = np.array([c.total for c in pairs.withdrawals], dtype=np.int64)
        ub = np.minimum(dcap[pairs.dep], wcap[pairs.wd]).astype(np.float64)
        self.n = n
        self.c4 = [g for g in self.groups if g.code == "PAIR_MINIMUM_BENEFIT"]
        self.y0 = n
        self.z = n + len(self.c4)
        ncols = self.z + 1
        h = new_highs()
        h.setOptionValue("random_seed", int(seed) % 2147483647)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
        lb = np.zeros(ncols)
        upper = np.concatenate([ub, np.ones(len(self.c4)), [0.0]])
        h.addVars(ncols, lb, upper)
        h.changeColsIntegrality(
            ncols,
            np.arange(ncols, dtype=np.int32),
            np.full(ncols, highspy.HighsVarType.kInteger),
        )
        rows: list[tuple[list[int], list[float], float, float]] = []
        inf = highspy.kHighsInf
        for idx, cap in self._class_rows(pairs.dep, dcap) + self._class_rows(pairs.wd, wcap):
            rows.append((idx, [1.0] * len(idx), -inf, float(cap)))
        for g in self.groups:
            if g.code == "PAIR_MINIMUM_BENEFIT":
                continue
            if g.cap < ub[g.pairs].sum():
                rows.append((g.pairs.tolist(), [1.0] * len(g.pairs), -inf, float(g.cap)))
        for k, g in enumerate(self.c4):
            y = self.y0 + k
            big = float(min(ub[g.pairs].sum(), dcap.sum(), wcap.sum()))
            idx = g.pairs.tolist()
            rows.append((idx + [y], [1.0] * len(idx) + [-big], -inf, 0.0))
            ben = pairs.benefit[g.pairs].astype(np.float64).tolist()
            rows.append((idx + [y], ben + [-float(g.cap)], 0.0, inf))
        # tier 2 rows: 1000 filled(t) - requested(t) z >= 0 for servable destinations
        requested: dict[str, int] = {}
        for w in ctx.scenario.withdrawals:
            requested[w.country] = requested.get(w.country, 0) + w.count
        to_t: dict[str, list[int]] = {}
        for p in range(n):
            to_t.setdefault(self.attrs.dest[p], []).append(p)
        self.servable = sorted(to_t)
        self.requested = requested
        for t in self.servable:
            idx = to_t[t]
            rows.append((idx + [self.z], [1000.0] * len(idx) + [-float(requested[t])], 0.0, inf))
        self._add_rows(h, rows)
        self.h = h
        self.ncols = ncols

    @staticmethod
    def _class_rows(index: IntArray, caps: IntArray) -> list[tuple[list[int], float]]:
        """One capacity row per class that some pair uses and whose cap can bind."""
        out: list[tuple[list[int], float]] = []
        if index.size == 0:
            return out
        order = np.argsort(index, kind="stable")
        cls_sorted = index[order]
        bounds = np.flatnonzero(np.diff(cls_sorted)) + 1
        for chunk in np.split(order, bounds):
            if chunk.size > 1:
                out.append((chunk.tolist(), float(caps[index[chunk[0]]])))
        return out

    @staticmethod
    def _add_rows(
        h: highspy.Highs, rows: list[tuple[list[int], list[float], float, float]]
    ) -> None:
        if not rows:
            return
        lower = np.array([r[2] for r in rows], dtype=np.float64)
        upper = np.array([r[3] for r in rows], dtype=np.float64)
        lengths = np.array([len(r[0]) for r in rows], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32)
        index = np.array([i for r in rows for i in r[0]], dtype=np.int32)
        value = np.array([v for r in rows for v in r[1]], dtype=np.float64)
        h.addRows(len(rows), lower, upper, int(index.size), starts, index, value)

    def _fix(self, coef: IntArray, value: int) -> None:
        """Add ``coef . x >= value`` (a solved tier kept at its optimum)."""
        idx = np.flatnonzero(coef)
        self._add_rows(
            self.h,
            [(idx.tolist(), coef[idx].astype(float).tolist(), float(value), highspy.kHighsInf)],
        )

    # ---------------------------------------------------------------- solving

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
            filled: dict[str, int] = dict.fromkeys(self.servable, 0)
            for p in np.flatnonzero(x):
                filled[self.attrs.dest[p]] += int(x[p])
            return min(1000 * filled[t] // self.requested[t] for t in self.servable)
        if tier == 3:
            return int((self.pairs.benefit * x).sum())
        return int(((3 * self.pairs.months - self.pairs.prefs) * x).sum())

    def lp_relaxation_bound(self) -> float:
        """LP relaxation bound of tier 1 (for statistics; solved on a copy)."""
        h = new_highs()
        h.passModel(self.h.getLp())
        lp = h.getLp()
        h.changeColsIntegrality(
            lp.num_col_,
            np.arange(lp.num_col_, dtype=np.int32),
            np.full(lp.num_col_, highspy.HighsVarType.kContinuous),
        )
        h.changeColsCost(self.ncols, np.arange(self.ncols, dtype=np.int32), self._objective(1))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.run()
        return float(h.getInfo().objective_function_value)

    def solve(
        self,
        *,
        deadline: float,
        started: float,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Solution:
        """Solve the tiers in order until all are proven or the deadline passes."""
        h = self.h
        x = np.zeros(self.n, dtype=np.int64)
        sol = Solution(x=x)
        all_idx = np.arange(self.ncols, dtype=np.int32)
        z_bound = 0.0
        for tier in (1, 2, 3, 4):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            name = TIER_NAMES[tier - 1]
            if on_progress:
                on_progress(
                    ProgressEvent(
                        tier=tier,
                        tier_name=name,
                        incumbent=float(self.tier_value(tier, x)),
                        bound=None,
                        elapsed=time.monotonic() - started,
                    )
                )
            t0 = time.monotonic()
            if tier == 2:
                h.changeColBounds(self.z, 0.0, 1000.0)
            elif tier == 3:
                h.changeColBounds(self.z, z_bound, 1000.0)
            h.changeColsCost(self.ncols, all_idx, self._objective(tier))
            sense = highspy.ObjSense.kMinimize if tier == 4 else highspy.ObjSense.kMaximize
            h.changeObjectiveSense(sense)
            h.setOptionValue("time_limit", float(max(remaining, 0.01)))
            start = highspy.HighsSolution()
            cols = np.zeros(self.ncols)
            cols[: self.n] = x
            for k, g in enumerate(self.c4):
                cols[self.y0 + k] = 1.0 if x[g.pairs].sum() > 0 else 0.0
            cols[self.z] = self.tier_value(2, x) if tier >= 2 else 0.0
            start.col_value = cols.tolist()
            start.value_valid = True
            h.setSolution(start)
            h.run()
            status = h.getModelStatus()
            info = h.getInfo()
            values = (
                np.array(h.getSolution().col_value[: self.n])
                if info.primal_solution_status
                else None
            )
            if values is not None and values.size == self.n:
                cand = np.rint(values).astype(np.int64)
                if tier == 1 or self.tier_value(tier, cand) * (
                    1 if tier < 4 else -1
                ) >= self.tier_value(tier, x) * (1 if tier < 4 else -1):
                    x = cand
            value = self.tier_value(tier, x)
            optimal = status == highspy.HighsModelStatus.kOptimal
            if optimal:
                bound = value
            else:
                raw = float(info.mip_dual_bound)
                if not np.isfinite(raw):
                    raw = float(value)
                bound = int(np.floor(raw + 1e-6)) if tier < 4 else int(np.ceil(raw - 1e-6))
            sol.tiers.append(TierOutcome(value, bound, optimal, time.monotonic() - t0))
            if on_progress:
                on_progress(
                    ProgressEvent(
                        tier=tier,
                        tier_name=name,
                        incumbent=float(value),
                        bound=float(bound),
                        elapsed=time.monotonic() - started,
                    )
                )
            if not optimal:
                break
            # fix the tier at its proven optimum before the next one
            if tier == 1:
                self._fix(self.attrs.priority, value)
            elif tier == 2:
                z_bound = float(value)
            elif tier == 3:
                self._fix(self.pairs.benefit, value)
        sol.x = x
        return sol
