"""A tier proven below its LP optimum, kept by its reduced costs instead of a dense row.

When a tier's LP optimum B is off the objective's lattice (hard L seed 42's tier 1: B =
294,486.5 where every integer point's value is an integer), or its vertex cannot be rounded,
the tier is proven at a value V < B (`solver.tier_mips.rounded_to_cap`, `certified_mip`), and its
integer optima lie off the LP's optimal face, so `solver.tiers.keep_face` cannot keep it.  A
dense row ``cost . x >= V`` over every column does, but it links every column: the LPs of the
next tiers no longer split into blocks and GLOP carries a row as long as its master
(seed 42: tier 2's pooled LPs took 38 s and tier 3's LP did not finish in 78 s).

With the LP's duals y and reduced costs rc = cost - A^T y (max form, x* the vertex), every x
satisfies

    cost . x = B + sum_j rc_j (x_j - x*_j) + sum_r y_r (A_r x - A_r x*)

and at an optimum every term is <= 0 for a feasible x (a column with rc_j < 0 sits at its lower
bound, a row with y_r > 0 at its upper one).  A point of value >= V keeps the terms' sum
>= -g, g = B - V.  For an integer point of integer data, a term is 0 or at least |rc_j| (a
column moved off its bound by a whole unit) or |y_r| (a row's activity off its bound by a
whole unit).  So every integer point of value >= V has:

- every integer column with |rc_j| > g at its LP value (fixed there),
- every row of integer coefficients over integer columns, with integer bounds and |y_r| > g,
  at the bound it meets (made an equality),
- and the remaining terms, whose coefficients are at most g, summing to >= -g: one *budget*
  row over the columns with a small reduced cost and those of the rows with a small dual.

Conversely a point meeting all three has value >= V (up to a margin far below the objective's
step).  The budget row is sparse where few terms are small (seed 42: 267 columns and 21 rows
of 819,268 and 16,235), so the next tiers' LPs stay as cheap as on a face kept exactly.  The
tier engine still checks every later solution against each proven tier's value.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, at_bound
from solver.compiled_near_face import (
    budget_coefficients,
    column_terms_signed,
    columns_fixed_and_whole,
    pin_columns,
    rows_off_integers,
)
from solver.compiled_rows import times, transposed_times

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SIGN_TOL = 1e-6
"""How far a term's sign may be wrong (relative to the objective's scale) before the duals are
not taken as an optimum's."""
BOUND_TOL = 1e-6
"""How far from a bound an LP value may sit and still count as at it."""
MARGIN = 1e-6
"""The budget row's slack, relative to the objective's largest coefficient: far below any
objective step, so no integer point below V gets in, and no integer point at V is cut off by
rounding errors."""


def keep_near_face(lp: LinearModel, sol: LpSolution, scale: float, value: float) -> bool:
    """Restrict ``lp`` to a set holding every integer point of ``cost . x >= value`` (max form;
    ``cost`` the objective ``sol`` optimised, ``scale`` its `solver.backends.cost_scale`) and
    no point below it, by the LP solution ``sol``'s reduced costs and duals (module
    docstring).  False, ``lp`` untouched, when ``sol`` lacks them or they do not fit an
    optimum.  A budget row over many columns links them as a value row would
    (`LinearModel.has_dense_rows`), but the columns fixed still leave the next LPs smaller."""
    x, rc, y, b = sol.x, sol.reduced_cost, sol.row_dual, sol.objective
    at = sol.priced  # the columns ``rc`` is given at, when not every column's
    nall = lp.nrows + len(lp.extra)
    if x is None or rc is None or y is None or b is None:
        return False
    if x.size != lp.ncols or not sol.reduced_costs_fit(lp.ncols) or y.size < nall:
        return False
    gap = float(b) - value
    if gap < -MARGIN * scale:
        return False
    gap = max(gap, 0.0)
    matrix, row_lo, row_hi = lp.full_matrix()
    y = y[:nall]
    col_lo, col_hi = lp.col_lo, lp.col_hi
    tol = SIGN_TOL * scale
    # every column term rc_j (x_j - x*_j) must be <= 0 for x within the bounds; the passes
    # over the columns compiled (`solver.compiled_near_face`): no full-length temporaries
    if not column_terms_signed(x, rc, at, col_lo, col_hi, tol, BOUND_TOL):
        return False
    act = times(matrix, x)
    r_lo, r_hi = at_bound(act, row_lo, BOUND_TOL), at_bound(act, row_hi, BOUND_TOL)
    if ((y < -tol) & ~r_lo).any() or ((y > tol) & ~r_hi).any():
        return False
    fix = np.empty(x.size, dtype=bool)
    whole = np.empty(x.size, dtype=bool)
    columns_fixed_and_whole(x, rc, at, lp.integer, col_lo, col_hi, gap + tol, BOUND_TOL, fix, whole)
    tight = (np.abs(y) > gap + tol) & _integral_rows(matrix, row_lo, row_hi, whole)
    small_row = (np.abs(y) > tol) & ~tight
    coef = transposed_times(matrix, np.where(small_row, y, 0.0))
    budget = budget_coefficients(coef, rc, at, fix, col_lo, col_hi, tol, tol * 1e-3)
    pin_columns(x, fix, lp.col_lo, lp.col_hi)
    rows = np.flatnonzero(tight)
    lp.pin_rows(rows, np.where(r_lo[rows], row_lo[rows], row_hi[rows]))
    if budget:
        lp.extra.append([coef, float(coef @ x) - gap - MARGIN * scale, np.inf])
    return True


def _integral_rows(
    matrix: sp.csc_matrix, row_lo: FloatArray, row_hi: FloatArray, whole: BoolArray
) -> BoolArray:
    """Rows whose activity moves by whole units at integer points: integer coefficients over
    ``whole`` columns only (integer, or fixed at an integer), and integer (or infinite)
    bounds."""
    # a matrix of its own, as `keep_near_face`'s `times` has already required
    bad = rows_off_integers(matrix.indptr, matrix.indices, matrix.data, whole, matrix.shape[0])
    for bound in (row_lo, row_hi):
        finite = np.isfinite(bound)
        bad[finite & (bound != np.rint(bound))] = True
    out: BoolArray = ~bad
    return out
