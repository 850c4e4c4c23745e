"""Tier 2's levels proven out by one Farkas certificate (`level_left`): when tier 3's LP at
level zc is infeasible, the multipliers that prove it (weak duality, `farkas_bound`) often
prove the levels below out too, so the tier engine (`solver.tiers`) skips them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel
from solver.compiled_farkas import column_terms_in_place
from solver.compiled_rows import transposed_times

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

FARKAS_TOL = 1e-7
"""How far below 0 a Farkas bound must be, relative to its row terms, to prove a level out."""


def farkas_bound(lp: LinearModel, y: FloatArray, row_lo: FloatArray, row_hi: FloatArray) -> float:
    """An upper bound of ``max 0`` over ``lp``'s columns with rows within ``row_lo``-``row_hi``
    by the multipliers ``y`` (weak duality): below 0, no point satisfies those rows.

    ``0 = (0 - A^T y) x + y . Ax`` and every term is at most its largest value over the column
    bounds and the row bounds; ``y`` is first made to fit the rows' open sides (any ``y`` gives
    a valid bound, so this is always safe)."""
    y = _fitted(y, row_lo, row_hi)
    return _column_terms(lp, y) + _row_terms(y, row_lo, row_hi)


def _fitted(y: FloatArray, row_lo: FloatArray, row_hi: FloatArray) -> FloatArray:
    """``y`` with no weight on a row's open side (where its term would be infinite)."""
    y = y.copy()
    y[row_hi == np.inf] = np.minimum(y[row_hi == np.inf], 0.0)
    y[row_lo == -np.inf] = np.maximum(y[row_lo == -np.inf], 0.0)
    return y


def _column_terms(lp: LinearModel, y: FloatArray) -> float:
    """The largest ``-(A^T y)_j x_j`` over each column's bounds, summed."""
    terms = transposed_times(lp.full_csc(), y)
    column_terms_in_place(terms, lp.col_lo, lp.col_hi)  # compiled: no full-length temporaries
    return float(terms.sum())


def _row_terms(y: FloatArray, row_lo: FloatArray, row_hi: FloatArray) -> float:
    """The largest ``y_r s_r`` over each row's bounds, summed."""
    with np.errstate(invalid="ignore"):
        rows = np.maximum(y * row_lo, y * row_hi)
    rows[y == 0] = 0.0
    return float(rows.sum())


def level_left(
    lp: LinearModel,
    dual: FloatArray,
    fill_rows: IntArray,
    needs: Callable[[int], FloatArray],
    level: int,
) -> int:
    """The highest tier-2 level from ``level`` down that the Farkas certificate ``dual`` (of the
    LP at a higher level) does not prove out (0 at the lowest).

    Levels change only the fill rows' (finite) lower bounds, so the multipliers' fit and the
    column terms of `farkas_bound` are the same at every level: only the row terms are redone.
    """
    _, row_lo, row_hi = lp.full_matrix()
    lo = row_lo.copy()
    for sign in (1.0, -1.0):  # whichever sign the solver's duals come in
        raw = sign * dual
        y = _fitted(raw, lo, row_hi)
        cols = _column_terms(lp, y)
        while level > 0:
            lo[fill_rows] = needs(level)
            scale = float(np.abs(raw * np.where(np.isfinite(lo), lo, 0.0)).sum())
            if cols + _row_terms(y, lo, row_hi) >= -FARKAS_TOL * max(1.0, scale):
                break
            level -= 1
    return level
