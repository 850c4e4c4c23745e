"""The explanations' compiled pass (`solver.compiled_reasons`) against its definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.compiled_reasons import reasons_by_class


@settings(deadline=None, max_examples=300)
@given(st.integers(0, 40), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_reasons_by_class_sum_the_counterparts_and_name_the_first_group(
    npairs: int, n: int, nother: int, seed: int
) -> None:
    """Per class and code: the counterparts' capacities summed (a used-up counterpart under
    code 0 whatever the pair's code), whether any pair joined, and the group of the lowest
    pair under a code above 0."""
    rng = np.random.default_rng(seed)
    ncodes = 4
    side = rng.integers(0, n, npairs).astype(np.int32)
    other = rng.integers(0, nother, npairs).astype(np.int32)
    code = rng.integers(0, ncodes, npairs).astype(np.int8)
    # a pair with a code names a group, many to a code, so that first and last differ
    group = np.where(code > 0, rng.integers(0, 6, npairs), -1).astype(np.int32)
    cap = rng.integers(1, 5, nother).astype(np.int64)
    used = rng.integers(0, 6, nother).astype(np.int64)
    totals, present, first = reasons_by_class(side, other, code, group, cap, used, n, ncodes)
    want_totals = np.zeros((n, ncodes), dtype=np.int64)
    want_first = np.full((n, ncodes), -1, dtype=np.int64)
    for p in range(npairs):
        o, s = int(other[p]), int(side[p])
        k = 0 if used[o] >= cap[o] else int(code[p])
        want_totals[s, k] += cap[o]
        if k > 0 and want_first[s, k] == -1:
            want_first[s, k] = group[p]
    want_present = np.zeros((n, ncodes), dtype=bool)
    for p in range(npairs):
        o = int(other[p])
        want_present[int(side[p]), 0 if used[o] >= cap[o] else int(code[p])] = True
    assert (totals == want_totals).all()
    assert (present == want_present).all()
    assert (first == want_first).all()
