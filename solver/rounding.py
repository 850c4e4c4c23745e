"""An integer point on a tier's optimal face from a vertex with a few fractional columns.

A tier's LP vertex on a hard round is sometimes fractional on a handful of its hundreds of
thousands of columns (a quota or a depletion cap met halfway between two pairs).  When the LP
optimum B is an integer, any integer point of value ``floor(B)`` proves the tier and lies on
the optimal face; the tier engine looked for one in a later tier's vertex, else in a MIP over
every column of the face (`solver.tier_mips.certified_mip`), which on hard L seed 4 did not finish
in two minutes.  When no integer point can reach B (its objective's values are multiples of a
step that B is not: `solver.lattice.integer_cap`), the engine asks for the cap instead, which
proves the tier just as well (though off the LP's optimal face).

`round_on_face` keeps every integral column of the vertex at its value and solves a small MIP
over the rest: the fractional columns and the columns of the vertex's support that share a row
with one (a fractional cycle is rounded by moving its own columns, a side row by its
neighbours; rows that cannot bind are no way through), with each row's bounds less what the
kept columns use.  If that MIP reaches ``floor(B)``, the point is an integer optimum of the
tier; otherwise (or above `MAX_FREE` columns) the caller goes on as before.

Off the lattice the vertex sometimes cannot be rounded so (hard L seeds 53 and 56: the cap
needs columns moved far from the fractional ones).  `round_near_face` then looks for a point
at the cap where every such point lies: the set `solver.near_face` keeps (columns and rows no
integer point of that value moves fixed, a budget row for the rest).  Any point of that set is
worth the cap or more, so a feasibility LP over it (no objective: one master from the vertex's
columns) gives a vertex of value at the cap, rounded there by the same small MIP.  On seeds 4,
49, 53 and 56 that took 1.0-1.3 s and reached the cap every time, where the MIP over the
reduced costs (`solver.tier_mips.certified_mip`, 103,706 columns on seed 53) took 10-11 s.

On hard XL that feasibility LP is the round's whole LP again: 11-27 s and peaks of 4.1-7.1 GB
(seeds 5, 29 and 51), and it reached the cap on none of them.  There the small MIP is tried
once more instead, with the columns of the LP's last master allowed to move too: columns at
0 in the vertex that column generation found worth pricing in.  On hard XL seed 51 the
vertex's support alone reaches only the cap less two steps, and the master's columns in its
fractional columns' rows reach the cap in 4.2 s, where the MIP over the reduced costs
(1,479,159 columns) was still in HiGHS' presolve after ten minutes; on hard L seeds 4, 49,
53 and 56 they reach it too, in 0.2-4.6 s (docs/benchmarks-solver.md, thirty-fifth session).
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, Outcome, cost_scale, solve_mip
from solver.blocks import redundant_rows
from solver.columns import SUPPORT_TOL, solve_lp_columns
from solver.compiled_face import fractional_columns, largest_rounding
from solver.compiled_rows import times
from solver.lattice import integer_cap
from solver.near_face import keep_near_face

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INTEGRALITY_TOL = 1e-6
"""How far from an integer a column's LP value may sit and still count as integral (the tier
engine's `integral_vertex` reads it too)."""
MAX_FREE = 100_000
"""Columns the small MIP may free at most (beyond that it is not small).  Hard XL's fractional
vertices free about 23,000 (seeds 5 and 29): at 20,000, seed 29's tier 3, off the lattice,
was not rounded, and its MIP over the reduced costs ran past the time limit and over 6 GB,
where the small MIP reaches the cap in 2.0 s (docs/benchmarks-solver.md, thirty-third
session).  With the master's columns (hard XL seed 51) it frees 81,298 and reaches the cap
in 4.2 s; the master's 172,024 whole took 18.9 s, 13 s of it HiGHS' presolve, which does not
heed the time limit (thirty-fifth session).  The MIP's time is otherwise bounded by the
engine's `ROUNDING_SECONDS`."""


def round_on_face(
    lp: LinearModel,
    sol: LpSolution,
    cost: FloatArray,
    n: int,
    *,
    time_limit: float,
    seed: int = 0,
    target: float | None = None,
    movable: IntArray | None = None,
) -> FloatArray | None:
    """A point of ``lp`` integral on its first ``n`` columns with ``cost . x >= target``
    (``floor(B)`` by default, B the optimum of ``sol``, maximised), near ``sol``'s vertex; None
    when the small MIP finds none in time.  The MIP moves the vertex's support in the
    fractional columns' rows, and with ``movable`` those columns too (at 0 in the vertex: the
    master's, module docstring)."""
    if sol.x is None or sol.objective is None or time_limit <= 0:
        return None
    x = sol.x
    frac = fractional_columns(x, n, INTEGRALITY_TOL)
    if frac.size == 0:
        return None
    matrix, row_lo, row_hi = lp.full_matrix()
    # the support's columns in the rows of the fractional ones: not the dense rows of proven
    # tiers, nor rows that cannot bind (tier 1's fill rows), which hold every column
    rows = np.zeros(matrix.shape[0], dtype=bool)
    rows[matrix[:, frac].indices] = True
    rows[lp.nrows :] = False
    rows &= ~redundant_rows(matrix, row_lo, row_hi, lp.col_lo, lp.col_hi)
    support = np.flatnonzero(x[:n] > SUPPORT_TOL)
    if movable is not None:
        support = np.union1d(support, movable[movable < n])
    free = np.union1d(support[touching(matrix, support, rows)], frac).astype(np.int64)
    if free.size > MAX_FREE:
        return None
    # the one full-length copy: hard XL seed 1 peaked here with four (docs/benchmarks-solver.md)
    kept = np.rint(x)
    kept[n:] = x[n:]
    kept[free] = 0.0
    used = times(matrix, kept)
    hit = np.zeros(matrix.shape[0], dtype=bool)
    hit[matrix[:, free].indices] = True
    touched = np.flatnonzero(hit)
    sub = LinearModel(
        col_lo=lp.col_lo[free],
        col_hi=lp.col_hi[free],
        integer=np.ones(free.size, dtype=bool),
        matrix=matrix[:, free][touched],
        row_lo=row_lo[touched] - used[touched],
        row_hi=row_hi[touched] - used[touched],
    )
    res = solve_mip(sub, cost[free], maximize=True, time_limit=time_limit, seed=seed)
    # a point found before the limit serves as well as a proven one when it reaches the
    # target, the most any integer point reaches: HiGHS may find it early and spend the rest
    # proving its own bound, the LP's, above it (hard XL seed 51: 9.3 s of a 10 s limit on a
    # quiet host; on a slower one the limit hit and the tier went to the reduced costs' MIP,
    # 7.6 GB; docs/benchmarks-solver.md, thirty-ninth session)
    if res.outcome not in (Outcome.OPTIMAL, Outcome.FEASIBLE) or res.x is None:
        return None
    kept[free] = np.rint(res.x)
    if target is None:
        target = integer_cap(sol.objective, 1)
    if float(cost @ kept) < target - 1e-6:
        return None
    if not lp.holds(kept):
        return None
    return kept


def touching(matrix: sp.csc_matrix, cols: IntArray, rows: BoolArray) -> BoolArray:
    """Which of the columns ``cols`` have an entry in a row that ``rows`` marks: read from
    their own entries, not from the matrix's marked rows sliced out (a row-sliced copy of a
    class-pair matrix is 8 bytes a column, whatever ``cols``)."""
    sub = matrix[:, cols]
    owner = np.repeat(np.arange(cols.size), np.diff(sub.indptr))
    hits = np.bincount(owner, weights=rows[sub.indices], minlength=cols.size)
    out: BoolArray = hits > 0
    return out


def round_near_face(
    lp: LinearModel,
    sol: LpSolution,
    cost: FloatArray,
    n: int,
    *,
    cap: float,
    time_limit: float,
    seed: int = 0,
) -> FloatArray | None:
    """A point of ``lp`` integral on its first ``n`` columns with ``cost . x >= cap`` (``cap``
    at most the optimum of ``sol``, maximised), from a vertex of the set where every such point
    lies (module docstring); ``lp`` is left as it is.  None when there is no such vertex, or it
    cannot be rounded in time."""
    deadline = time.monotonic() + time_limit
    if sol.x is None or time_limit <= 0:
        return None
    near = lp.with_own_bounds()
    if not keep_near_face(near, sol, cost_scale(cost), cap):
        return None
    none = np.zeros(lp.ncols)
    vertex = solve_lp_columns(near, none, time_limit=time_limit, start=sol.x)
    remaining = deadline - time.monotonic()
    if vertex.outcome != Outcome.OPTIMAL or vertex.x is None or remaining <= 0:
        return None
    if largest_rounding(vertex.x, n) <= INTEGRALITY_TOL:
        out: FloatArray | None = np.rint(vertex.x)
    else:
        out = round_on_face(near, vertex, none, n, time_limit=remaining, seed=seed, target=0.0)
    if out is None or float(cost @ out) < cap - 1e-6 or not lp.holds(out):
        return None
    return out
