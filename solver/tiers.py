"""The lexicographic tier engine (MATCHING.md section 4) over a linear model of OR-Tools arrays.

Tiers are solved in order (1 priority_fill, 2 min_fill_permille, 3 benefit_usd, 4 tie-break),
each kept at its optimum while the next is solved.  All objective coefficients are integers, so a
gap below 1 proves a tier.  Two exact paths:

- **LP path** (no C4 binaries): each tier is first solved as an LP over every class pair, by
  column generation (`solver.columns`, GLOP masters).  When the LP's optimal vertex is integral
  (checked on the rounded vector against every row and bound), the LP optimum is the integer
  optimum, so the integer optima of the tier are exactly the integer points of the LP's optimal
  face; that face is kept for the next tier by complementary slackness (columns with a nonzero
  reduced cost fixed at their value, rows with a nonzero dual made equalities), which keeps the
  constraint matrix unchanged and leaves the next tier far fewer free columns.  When the vertex
  is fractional, `certified_mip` proves the tier with a MIP over the few columns whose reduced
  cost allows them in a solution of value floor(LP bound), and the tier is kept by a dense
  ``>=`` row.  Tier 2 takes ``zc = floor(LP max z)`` (an upper bound of the integer optimum)
  and imposes ``filled(t) >= ceil(requested(t) zc / 1000)``; an integer tier-3 solution over
  that set proves zc achieved, hence optimal; when none is found, tier 2 goes to the MIP path
  below the LP bound zc.
- **MIP path** (C4 binaries, or a failed LP): the tier is solved as a MIP over every column
  (HiGHS inside OR-Tools); its proven optimum is then fixed with a ``>=`` row on its value.

The incumbent (e.g. greedy) is returned as is when the time limit leaves no time to improve on
it; a tier stopped by the limit reports its best bound and is not proven.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel, LpSolution, Outcome, solve_mip
from solver.columns import solve_lp_columns
from solver.schema import ProgressEvent

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
TIER_NAMES = ("priority_fill", "min_fill_permille", "benefit_usd", "tie_break")
INTEGRALITY_TOL = 1e-6
DUAL_TOL = 1e-7


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


class Tiered(Protocol):
    """What the engine needs from a round's model (`solver.model.RoundModel`)."""

    n: int
    z: int
    y0: int
    lp: LinearModel
    fill_rows: IntArray
    fill_req: list[int]
    servable: list[str]
    has_binaries: bool
    trivial_bound1: int
    trivial_bound3: int
    seed: int

    def objective(self, tier: int) -> FloatArray: ...

    def tier_value(self, tier: int, x: IntArray) -> int: ...

    def binaries_of(self, x: IntArray) -> FloatArray: ...


def integral_vertex(lp: LinearModel, sol: LpSolution, n: int) -> FloatArray | None:
    """The LP optimum rounded, if it is integral and satisfies every bound and row exactly."""
    if sol.x is None or sol.x.size != lp.ncols:
        return None
    v = sol.x
    xf: FloatArray = np.rint(v)
    if n and np.abs(v[:n] - xf[:n]).max() > INTEGRALITY_TOL:
        return None
    if (xf < lp.col_lo).any() or (xf > lp.col_hi).any():
        return None
    if not lp.rows_hold(xf):  # the dense rows of proven tiers included
        return None
    return xf


def keep_face(lp: LinearModel, sol: LpSolution, xf: FloatArray, cost: FloatArray, n: int) -> bool:
    """Restrict ``lp`` to the LP's optimal face (complementary slackness with its duals).

    Columns with a nonzero reduced cost are fixed at their value, rows (dense ones included)
    with a nonzero dual become equalities at their activity.
    """
    cd, rd = sol.reduced_cost, sol.row_dual
    nall = lp.nrows + len(lp.extra)
    if cd is None or rd is None or cd.size != lp.ncols or rd.size < nall:
        return False
    tol = DUAL_TOL * max(1.0, float(np.abs(cost).max()) if cost.size else 1.0)
    cols = np.flatnonzero(np.abs(cd[:n]) > tol)
    at_bound = (xf[cols] == lp.col_lo[cols]) | (xf[cols] == lp.col_hi[cols])
    rows = np.flatnonzero(np.abs(rd[:nall]) > tol)
    every, lo, hi = lp.activity(xf)
    act = every[rows]
    tight = (act == lo[rows]) | (act == hi[rows])
    if not (at_bound.all() and tight.all()):
        return False
    lp.col_lo[cols] = lp.col_hi[cols] = xf[cols]
    base = rows < lp.nrows
    lp.row_lo[rows[base]] = lp.row_hi[rows[base]] = act[base]
    for r, a in zip((rows[~base] - lp.nrows).tolist(), act[~base].tolist(), strict=True):
        lp.extra[r][1] = lp.extra[r][2] = a
    return True


def certified_mip(
    m: Tiered, tier: int, lps: LpSolution, limit: float
) -> tuple[IntArray, int] | None:
    """A tier's integer optimum from its LP (over every column) and a MIP on few columns.

    With the LP optimum B and its reduced costs rc (max form), any solution of value >= T uses
    only columns with ``rc >= T - B`` (complementary slackness: c x <= B + sum rc_j x_j over
    columns at 0).  For T = floor(B) that set is small; the MIP over it either reaches T
    (optimal, as no integer beats floor(B)) or proves the optimum v < T, and one more MIP over
    the set of ``rc >= v - B`` finds the optimum.  None when the time limit or trouble stops it.
    """
    lp = m.lp
    if lps.x is None or lps.reduced_cost is None or lps.objective is None:
        return None
    sense = -1 if tier == 4 else 1
    cost = sense * m.objective(tier)
    bound = lps.objective
    rc = lps.reduced_cost
    free = lp.col_hi > lp.col_lo
    base = (lps.x > 1e-9) | (lp.col_lo > 0)
    margin = DUAL_TOL * max(1.0, float(np.abs(cost).max()))
    target = int(np.floor(bound + 1e-6))
    deadline = time.monotonic() + limit
    tried: int | None = None
    while True:
        cols = np.flatnonzero(base | (free & (rc >= target - bound - margin)))
        sub = lp.restricted(cols)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        res = solve_mip(
            sub, cost[cols], maximize=True, time_limit=remaining, seed=m.seed, hint=None
        )
        if res.outcome != Outcome.OPTIMAL or res.x is None:
            return None
        full = np.zeros(lp.ncols)
        full[cols] = np.rint(res.x)
        if not lp.rows_hold(full):
            return None
        x = full[: m.n].astype(np.int64)
        value = sense * m.tier_value(tier, x)
        if value >= target or tried == value:
            return x, m.tier_value(tier, x)
        tried = target = value


def mip_tier(m: Tiered, tier: int, x: IntArray, limit: float) -> tuple[IntArray, int, int, bool]:
    """One tier as a MIP from the incumbent ``x``: (x, value, bound, proven)."""
    lp = m.lp
    hint = np.zeros(lp.ncols)
    hint[: m.n] = x
    hint[m.y0 : m.z] = m.binaries_of(x)
    hint[m.z] = min(max(m.tier_value(2, x), lp.col_lo[m.z]), lp.col_hi[m.z])
    sol = solve_mip(
        lp, m.objective(tier), maximize=tier != 4, time_limit=limit, seed=m.seed, hint=hint
    )
    sign = -1 if tier == 4 else 1
    if sol.x is not None and sol.x.size == lp.ncols:
        cand = np.rint(sol.x[: m.n]).astype(np.int64)
        if sign * m.tier_value(tier, cand) >= sign * m.tier_value(tier, x):
            x = cand
    value = m.tier_value(tier, x)
    if sol.outcome == Outcome.OPTIMAL:
        return x, value, value, True
    raw = sol.bound
    if raw is None or not np.isfinite(raw):
        bound = {1: m.trivial_bound1, 2: 1000 if m.servable else 0, 3: m.trivial_bound3}.get(
            tier, value
        )
    else:
        bound = int(np.floor(raw + 1e-6)) if tier < 4 else int(np.ceil(raw - 1e-6))
    if tier == 1:
        bound = min(bound, m.trivial_bound1)
    return x, value, bound, False


def solve_tiers(
    m: Tiered,
    *,
    deadline: float,
    started: float,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    start: IntArray | None = None,
    lp_first: bool = True,
) -> Solution:
    """Solve the tiers in order until all are proven or the deadline passes."""
    lp = m.lp
    x = np.zeros(m.n, dtype=np.int64) if start is None else start.astype(np.int64)
    sol = Solution(x=x)
    lp_mode = lp_first and not m.has_binaries and m.n > 0
    proven: dict[int, int] = {}
    zc = 0
    t2_seconds = 0.0
    fill_saved = lp.row_lo[m.fill_rows].copy()
    warm: IntArray | None = None  # the last master's columns, the next tier's first master

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

    def set_z(low: float, up: float) -> None:
        lp.col_lo[m.z], lp.col_hi[m.z] = low, up

    def fix(tier: int, value: int) -> None:
        """A proven tier kept at its optimum: a dense row (tier 2: z's lower bound)."""
        if tier == 2:
            set_z(float(value), 1000.0)
            return
        sense = -1.0 if tier == 4 else 1.0
        lp.extra.append([sense * m.objective(tier), sense * float(value), np.inf])

    def full(xs: IntArray) -> FloatArray:
        out = np.zeros(lp.ncols)
        out[: m.n] = xs
        return out

    def to_mip() -> None:
        nonlocal lp_mode
        lp_mode = False

    tier = 1
    while tier <= 4:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        emit(tier, m.tier_value(tier, x), None)
        t0 = time.monotonic()
        if lp_mode and tier == 2:
            if not m.servable:
                zstar = 0.0
            else:
                set_z(0.0, 1000.0)
                lps = solve_lp_columns(
                    lp,
                    m.objective(2),
                    time_limit=remaining,
                    start=full(x),
                    always=_z(m) if warm is None else np.union1d(warm, _z(m)),
                )
                warm = lps.columns if lps.columns is not None else warm
                if lps.outcome == Outcome.LIMIT:
                    record(2, m.tier_value(2, x), 1000, False, time.monotonic() - t0, "lp")
                    break
                if lps.outcome != Outcome.OPTIMAL or lps.x is None:
                    set_z(0.0, 0.0)
                    to_mip()
                    continue
                zstar = float(lps.x[m.z])
            zc = int(min(1000, max(0, np.floor(zstar + 1e-6))))
            need = np.array([-(-r * zc // 1000) * 1000 for r in m.fill_req], dtype=float)
            set_z(0.0, 0.0)
            lp.row_lo[m.fill_rows] = np.maximum(fill_saved, need)
            t2_seconds = time.monotonic() - t0
            tier = 3
            continue
        if lp_mode:
            sense = -1.0 if tier == 4 else 1.0
            cost = sense * m.objective(tier)
            lps = solve_lp_columns(lp, cost, time_limit=remaining, start=full(x), always=warm)
            warm = lps.columns if lps.columns is not None else warm
            if lps.outcome == Outcome.LIMIT:
                if tier == 3:
                    record(2, m.tier_value(2, x), zc, False, t2_seconds, "lp")
                bound = {1: m.trivial_bound1, 3: m.trivial_bound3}.get(tier, m.tier_value(tier, x))
                record(tier, m.tier_value(tier, x), bound, False, time.monotonic() - t0, "lp")
                break
            if lps.outcome != Outcome.OPTIMAL:
                if tier == 3:
                    lp.row_lo[m.fill_rows] = fill_saved
                    set_z(0.0, float(zc))
                    to_mip()
                    tier = 2
                else:
                    to_mip()
                continue
            if tier == 1 and lps.objective is not None:
                sol.lp_bound = float(lps.objective)
            xf = integral_vertex(lp, lps, m.n)
            cand = None if xf is None else xf[: m.n].astype(np.int64)
            ok = cand is not None and all(m.tier_value(k, cand) == v for k, v in proven.items())
            if ok and tier == 3:
                ok = m.tier_value(2, cand) == zc  # type: ignore[arg-type]
            if ok and tier < 4:
                ok = keep_face(lp, lps, xf, cost, m.n)  # type: ignore[arg-type]
            how = "lp"
            if not ok or cand is None:
                # a fractional vertex: the MIP over the columns its reduced costs allow
                certified = certified_mip(m, tier, lps, deadline - time.monotonic())
                if certified is None or (tier == 3 and m.tier_value(2, certified[0]) < zc):
                    if tier == 3:
                        # zc unproven: back to tier 2 as a MIP below the LP bound zc
                        lp.row_lo[m.fill_rows] = fill_saved
                        set_z(0.0, float(zc))
                        to_mip()
                        tier = 2
                        continue
                    if certified is None and time.monotonic() >= deadline:
                        value = m.tier_value(tier, x)
                        lpb = lps.objective if lps.objective is not None else sense * value
                        bound = (
                            int(np.floor(lpb + 1e-6)) if tier < 4 else int(-np.floor(lpb + 1e-6))
                        )
                        record(tier, value, bound, False, time.monotonic() - t0, "lp+mip")
                        break
                    to_mip()
                    continue
                cand = certified[0]
                fix(tier, certified[1])
                how = "lp+mip"
            x = cand
            if tier == 3:
                proven[2] = zc
                record(2, zc, zc, True, t2_seconds, "lp")
            value = m.tier_value(tier, x)
            proven[tier] = value
            record(tier, value, value, True, time.monotonic() - t0, how)
            tier += 1
            continue
        # MIP path
        if tier == 2 and 2 not in proven and lp.col_hi[m.z] == 0.0:
            set_z(0.0, 1000.0)
        x, value, bound, ok = mip_tier(m, tier, x, remaining)
        record(tier, value, bound, ok, time.monotonic() - t0, "mip")
        if not ok:
            break
        proven[tier] = value
        fix(tier, value)
        tier += 1
    sol.x = x
    return sol


def _z(m: Tiered) -> IntArray:
    return np.array([m.z], dtype=np.int64)
