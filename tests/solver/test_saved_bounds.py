"""An LP's bounds saved before a deferred tier and restored after (`solver.tiers.snapshot`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.backends import LinearModel
from solver.tiers import restore, snapshot


def random_model(rng: np.random.Generator, ncols: int) -> LinearModel:
    lo = np.where(rng.random(ncols) < 0.3, rng.integers(0, 3, ncols), 0).astype(float)
    hi = lo + np.where(rng.random(ncols) < 0.5, 0, rng.integers(1, 4, ncols))
    return LinearModel(
        col_lo=lo,
        col_hi=hi,
        integer=np.ones(ncols, dtype=bool),
        matrix=sp.csc_matrix(rng.integers(0, 2, (3, ncols)).astype(float)),
        row_lo=np.zeros(3),
        row_hi=np.full(3, 5.0),
        extra=[[np.ones(ncols), 1.0, np.inf]],
    )


@settings(deadline=None, max_examples=100)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_restore_brings_back_every_bound_whatever_changed_since(seed: int, ncols: int) -> None:
    """Columns fixed, freed (a column fixed at 0 among them), rows pinned and dense rows
    added after the snapshot: restoring it gives the bounds back exactly."""
    rng = np.random.default_rng(seed)
    lp = random_model(rng, ncols)
    want = (lp.col_lo.copy(), lp.col_hi.copy(), lp.row_lo.copy(), lp.row_hi.copy())
    saved = snapshot(lp)
    lp.col_lo[:] = rng.integers(0, 3, ncols)
    lp.col_hi[:] = lp.col_lo + rng.integers(0, 3, ncols)
    lp.row_lo[0] = lp.row_hi[0] = 2.0
    lp.extra[0][1] = 4.0
    lp.extra.append([np.zeros(ncols), 0.0, 0.0])
    restore(lp, saved)
    for got, expected in zip((lp.col_lo, lp.col_hi, lp.row_lo, lp.row_hi), want, strict=True):
        assert np.array_equal(got, expected)
    assert len(lp.extra) == 1
    assert lp.extra[0][1] == 1.0


def test_the_snapshot_holds_only_the_columns_with_a_bound_off_zero() -> None:
    lp = random_model(np.random.default_rng(0), 10)
    lp.col_lo[:] = 0.0
    lp.col_hi[:] = 0.0
    lp.col_hi[[2, 7]] = 1.0
    assert snapshot(lp).cols.tolist() == [2, 7]
