"""`solver.compiled_values`: a tier's sums over the class pairs, against numpy's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.compiled_values import tie_break_total, totals_by, weighted_total


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1), st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
def test_the_compiled_sums_are_numpy_s(seed: int, kind: type) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 50))
    top = min(np.iinfo(kind).max, 10**9)
    weight = rng.integers(0, top, n).astype(kind)
    x = rng.integers(0, 1000, n).astype(np.int64)
    months = rng.integers(0, min(top, 10**6), n).astype(kind)
    prefs = rng.integers(0, 3, n).astype(np.int8)
    group = rng.integers(0, 7, n).astype(np.int16)
    assert weighted_total(weight, x) == int((weight.astype(np.int64) * x).sum())
    want = int(((3 * months.astype(np.int64) - prefs) * x).sum())
    assert tie_break_total(months, prefs, x) == want
    assert totals_by(group, x, 7).tolist() == np.bincount(group, weights=x, minlength=7).tolist()
