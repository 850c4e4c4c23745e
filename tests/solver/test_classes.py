"""`solver.classes`: the reason statistics stay exact when BLAS returns NaN."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.hard import generate_hard_scenario
from solver import classes
from solver.classes import enumerate_pairs, whole_sums
from solver.eligibility import Context
from solver.validation import validate_scenario


def nan_product(left: Any, right: Any) -> Any:
    """What OpenBLAS's gemv now and then returns: the product with a NaN in it."""
    out = np.matmul(left, right)
    out[0] = np.nan
    return out


@settings(deadline=None, max_examples=100)
@given(
    st.integers(1, 8),
    st.integers(1, 8),
    st.integers(0, 2**32 - 1),
    st.sampled_from([np.float32, np.float64]),
)
def test_whole_sums_are_exact_even_when_the_product_returns_nan(
    rows: int, cols: int, seed: int, dtype: type
) -> None:
    rng = np.random.default_rng(seed)
    mask = (rng.random((rows, cols)) < 0.5).astype(dtype)
    dweight, wweight = rng.integers(0, 50, rows), rng.integers(0, 50, cols)
    by_column = (dweight[:, None] * (mask > 0)).sum(axis=0)
    by_row = ((mask > 0) * wweight[None, :]).sum(axis=1)
    for product in (np.matmul, nan_product):
        got_columns = whole_sums(dweight.astype(dtype), mask, product=product)
        got_rows = whole_sums(mask, wweight.astype(dtype), product=product)
        assert got_columns.tolist() == by_column.tolist()
        assert got_rows.tolist() == by_row.tolist()


def test_a_round_s_reason_statistics_survive_a_nan_from_blas(monkeypatch: Any) -> None:
    scenario = validate_scenario(generate_hard_scenario(300, seed=1))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    clean = enumerate_pairs(ctx, scenario)
    monkeypatch.setattr(classes, "whole_sums", partial(whole_sums, product=nan_product))
    again = enumerate_pairs(ctx, scenario)
    assert np.array_equal(again.w_workers, clean.w_workers)
    assert np.array_equal(again.d_workers, clean.d_workers)
    assert np.array_equal(again.dep, clean.dep)


def test_pairs_of_interleaved_cadres_come_in_deposit_then_withdrawal_class_order(
    monkeypatch: Any,
) -> None:
    """A hard round's cadres interleave in class order and are scanned cadre by cadre, in
    many chunks here: the pairs still come sorted by deposit class, then withdrawal class."""
    scenario = validate_scenario(generate_hard_scenario(600, seed=2))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    monkeypatch.setattr(classes, "CHUNK_ENTRIES", 50)
    pairs = enumerate_pairs(ctx, scenario)
    cadres = [pairs.deposits[int(i)].rep.cadre for i in pairs.dep]
    assert cadres != sorted(cadres), "the cadres interleave, so the scan's order is not sorted"
    key = pairs.dep * len(pairs.withdrawals) + pairs.wd
    assert np.all(np.diff(key) > 0)
