"""`solver.compiled_farkas`: a Farkas bound's column terms in place, against numpy's, to the bit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.compiled_farkas import column_terms_in_place

VALUES = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, -1e-9, 1e300, -1e300, np.inf, -np.inf, np.nan])


def numpy_s_terms(
    t: npt.NDArray[np.float64], lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The terms as `solver.tier_levels._column_terms` took them in numpy."""
    rc = -t
    with np.errstate(invalid="ignore", over="ignore"):
        cols = np.maximum(rc * lo, rc * hi)
    cols[rc == 0] = 0.0
    return cols


@settings(deadline=None, max_examples=400)
@given(
    st.lists(st.tuples(st.one_of(VALUES, st.floats(-1e6, 1e6)), VALUES, VALUES), max_size=40),
)
def test_the_compiled_terms_are_numpy_s(columns: list[tuple[float, float, float]]) -> None:
    t = np.array([c[0] for c in columns], dtype=np.float64)
    lo = np.array([c[1] for c in columns], dtype=np.float64)  # any two values: the same
    hi = np.array([c[2] for c in columns], dtype=np.float64)  # arithmetic, bounds or not
    want = numpy_s_terms(t, lo, hi)
    column_terms_in_place(t, lo, hi)
    assert np.array_equal(t, want, equal_nan=True)
    number = ~np.isnan(want)  # a NaN's sign bit is nobody's business
    assert np.array_equal(np.signbit(t[number]), np.signbit(want[number]))
    with np.errstate(invalid="ignore", over="ignore"):
        assert np.array_equal(t.sum(), want.sum(), equal_nan=True)
