"""`solver.compiled_values`: a tier's sums over the class pairs, against numpy's, and a
model's tier values read a chunk at a time."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.hard import generate_hard_scenario
from solver import compiled_values
from solver.classes import enumerate_pairs
from solver.compiled_values import (
    coefficient_gcd,
    flow_type,
    tie_break_total,
    totals_by,
    weighted_total,
)
from solver.eligibility import Context
from solver.model import RoundModel
from solver.validation import validate_scenario


@settings(deadline=None, max_examples=200)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([np.int8, np.int16, np.int32, np.int64]),
    st.sampled_from([np.int32, np.int64]),
)
def test_the_compiled_sums_are_numpy_s(seed: int, kind: type, flows: type) -> None:
    """Over int32 flows (the incumbent's) as over int64 (a candidate's), summed in int64."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 50))
    top = min(np.iinfo(kind).max, 10**9)
    weight = rng.integers(0, top, n).astype(kind)
    x = rng.integers(0, 2**31 - 1 if flows is np.int32 else 1000, n).astype(flows)
    months = rng.integers(0, min(top, 10**6), n).astype(kind)
    prefs = rng.integers(0, 3, n).astype(np.int8)
    group = rng.integers(0, 7, n).astype(np.int16)
    assert weighted_total(weight, x) == int((weight.astype(np.int64) * x).sum())
    want = int(((3 * months.astype(np.int64) - prefs) * x).sum())
    assert tie_break_total(months, prefs, x) == want
    assert totals_by(group, x, 7).tolist() == np.bincount(group, weights=x, minlength=7).tolist()


def test_a_tier_s_value_of_an_integral_vertex_is_that_of_its_int64_flows(monkeypatch: Any) -> None:
    """The tier engine asks a vertex's values as it is (float64 holding integers), read a
    chunk at a time (3 class pairs here, so every tier spans several): each tier's value is
    the int64 flows'; a fraction is refused, never rounded."""
    scenario = validate_scenario(generate_hard_scenario(300, seed=1))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    model = RoundModel(ctx, enumerate_pairs(ctx, scenario))
    flows = model.greedy_start()
    assert flows.size > 10
    assert flows.any()
    want = [model.tier_value(t, flows) for t in (1, 2, 3, 4)]
    monkeypatch.setattr(compiled_values, "CHUNK", 3)
    vertex = flows.astype(np.float64)
    assert [model.tier_value(t, vertex) for t in (1, 2, 3, 4)] == want
    assert [model.tier_value(t, flows.astype(np.int32)) for t in (1, 2, 3, 4)] == want
    vertex[int(np.flatnonzero(flows)[-1])] += 0.5
    with pytest.raises(ValueError, match="fraction"):
        model.tier_value(3, vertex)


def numpy_s_step(cost: npt.NDArray[np.float64]) -> int:
    """The objective's step as numpy found it before the compiled pass."""
    coefficients = np.abs(cost[cost != 0])
    if coefficients.size == 0 or (coefficients != np.rint(coefficients)).any():
        return 1
    return int(np.gcd.reduce(coefficients.astype(np.int64)))


@settings(deadline=None, max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.integers(-(10**9), 10**9).map(lambda k: 250.0 * k),
            st.integers(-(10**12), 10**12).map(float),
            st.sampled_from([0.0, 0.5, -1.25, 3.0, 7.0]),
        ),
        max_size=30,
    )
)
def test_the_compiled_step_is_numpy_s(values: list[float]) -> None:
    cost = np.array(values, dtype=np.float64)
    assert coefficient_gcd(cost) == numpy_s_step(cost)
    assert coefficient_gcd(np.array([np.nan, 2.0])) == 1
    assert coefficient_gcd(np.array([np.inf, 2.0])) == 1


def test_the_incumbent_is_int32_unless_a_pair_could_carry_2_31_workers() -> None:
    """A round holds its incumbent as int32 flows (4 bytes a class pair), and as int64 when
    a deposit and a withdrawal are both that large: the round then places them all."""
    from solver.round import run_round
    from tests.solver.factories import deposit, scenario, withdrawal

    assert flow_type(2**31 - 1) is np.int32
    assert flow_type(2**31) is np.int64
    small = validate_scenario(generate_hard_scenario(300, seed=1))
    assert not isinstance(small, list)
    ctx = Context.of(small)
    assert RoundModel(ctx, enumerate_pairs(ctx, small)).greedy_start().dtype == np.int32
    huge = 3 * 10**9
    raw = scenario([deposit(count=huge)], [withdrawal(count=huge)])
    result = run_round(raw)
    assert result.status == "OPTIMAL"
    assert result.objective is not None
    assert [(m.deposit_id, m.count) for m in result.matches or []] == [("d1", huge)]
