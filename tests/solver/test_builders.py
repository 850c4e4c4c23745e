"""Each constraint builder of `solver.constraints` on a tiny model, solved through OR-Tools."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.backends import LinearModel, Outcome, solve_lp, solve_mip
from solver.constraints import (
    Group,
    Rows,
    c1_capacity,
    c2_agreement_quota,
    c3_depletion_cap,
    c4_pair_minimum_benefit,
    c4_perspective,
    groups_by,
    min_fill,
)


def model(rows: Rows, ub: list[float], integer: bool = False) -> LinearModel:
    n = len(ub)
    return LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.array(ub, dtype=np.float64),
        integer=np.full(n, integer),
        matrix=rows.matrix(n),
        row_lo=np.array(rows.lo, dtype=np.float64),
        row_hi=np.array(rows.hi, dtype=np.float64),
    )


def best(lp: LinearModel, cost: list[float]) -> tuple[float, list[float]]:
    sol = solve_lp(lp, np.array(cost, dtype=np.float64), maximize=True, time_limit=10)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.x is not None
    assert sol.objective is not None
    return sol.objective, sol.x.tolist()


def idx(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_c1_caps_a_class_shared_by_pairs_and_skips_single_pairs() -> None:
    rows = Rows()
    # pairs: (d0, w0), (d0, w1), (d1, w1); d0 holds 3, d1 holds 5; w0 asks 9, w1 asks 4
    c1_capacity(rows, idx(0, 0, 1), idx(0, 1, 1), idx(3, 5), idx(9, 4))
    assert len(rows) == 2  # d0's row and w1's row; d1 and w0 have one pair each
    value, x = best(model(rows, [3, 3, 4]), [1, 1, 1])
    assert value == 7
    assert x[0] + x[1] <= 3
    assert x[1] + x[2] <= 4


def test_c2_quota_row_only_where_it_can_bind() -> None:
    rows = Rows()
    loose = Group("AGREEMENT_QUOTA", ("A", "B", "2221", "a1"), idx(0), 10)
    tight = Group("AGREEMENT_QUOTA", ("A", "C", "2221", "a2"), idx(1, 2), 3)
    c2_agreement_quota(rows, [loose, tight], np.array([5.0, 2.0, 2.0]))
    assert len(rows) == 1
    value, _ = best(model(rows, [5, 2, 2]), [1, 1, 1])
    assert value == 8


def test_c3_depletion_cap_counts_every_destination() -> None:
    rows = Rows()
    cap = Group("DEPLETION_CAP", ("A", "2221"), idx(0, 1, 2), 4)
    other = Group("AGREEMENT_QUOTA", ("A", "B", "2221", "a1"), idx(0), 0)
    c3_depletion_cap(rows, [cap, other], np.array([3.0, 3.0, 3.0]))
    assert len(rows) == 1  # the quota group is C2's, not C3's
    value, _ = best(model(rows, [3, 3, 3]), [1, 2, 3])
    assert value == 3 * 3 + 2 * 1


def test_c4_no_flow_or_at_least_the_minimum() -> None:
    rows = Rows()
    group = Group("PAIR_MINIMUM_BENEFIT", ("A", "B"), idx(0), 250)
    # one pair of benefit 100 per worker; at most 2 workers: 200 < 250, so nothing flows
    c4_pair_minimum_benefit(rows, [group], 1, np.array([2.0]), np.array([100]), 10)
    lp = model(rows, [2, 1], integer=True)
    sol = solve_mip(lp, np.array([1.0, 0.0]), maximize=True, time_limit=10, seed=0)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.x is not None
    assert sol.x.tolist() == [0.0, 0.0]
    rows = Rows()  # 3 workers: 300 >= 250
    c4_pair_minimum_benefit(rows, [group], 1, np.array([3.0]), np.array([100]), 10)
    lp = model(rows, [3, 1], integer=True)
    sol = solve_mip(lp, np.array([1.0, 0.0]), maximize=True, time_limit=10, seed=0)
    assert sol.x is not None
    assert sol.x.tolist() == [3.0, 1.0]


def test_c4_perspective_opens_a_route_no_further_than_its_benefit_pays_for_each_pair() -> None:
    # one route: pair a (benefit 0, worth 1) and pair b (benefit 100), 10 workers each; another
    # rule holds b to 1 worker, so the route's benefit reaches 100 of its 500 at most: y <= 0.2.
    # The route's flow row alone lets a take 20 y - 1 = 3; each pair within 10 y holds it to 2
    # (the hull of closed and open; no integer point opens the route at all)
    rows = Rows()
    group = Group("PAIR_MINIMUM_BENEFIT", ("A", "B"), idx(0, 1), 500)
    ub = np.array([10.0, 10.0])
    c4_pair_minimum_benefit(rows, [group], 2, ub, np.array([0, 100]), 100)
    rows.add(idx(1), 1.0, -np.inf, 1.0)
    value, _ = best(model(rows, [10, 10, 1]), [1, 0, 0])
    assert value == pytest.approx(3.0)
    c4_perspective(rows, [group], 2, ub)
    assert len(rows) == 5  # one row a pair
    value, x = best(model(rows, [10, 10, 1]), [1, 0, 0])
    assert value == pytest.approx(2.0)
    assert x[2] == pytest.approx(0.2)
    lp = model(rows, [10, 10, 1], integer=True)
    sol = solve_mip(lp, np.array([1.0, 0.0, 0.0]), maximize=True, time_limit=10, seed=0)
    assert sol.outcome == Outcome.OPTIMAL
    assert sol.x is not None
    assert sol.x.tolist() == [0.0, 0.0, 0.0]


def test_min_fill_bounds_z_by_the_least_filled_destination() -> None:
    rows = Rows()
    c1_capacity(rows, idx(0, 0), idx(0, 1), idx(10), idx(10, 30))
    first, requested = min_fill(rows, [(idx(0), 10), (idx(1), 30)], 2)
    assert (first, requested) == (1, [10, 30])
    value, x = best(model(rows, [10, 10, 1000]), [0, 0, 1])
    assert value == 250  # 10 workers split 2.5 / 7.5: both at 25 %
    assert x[0] + x[1] == 10


@settings(deadline=None, max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2**25)), max_size=5))
def test_min_fill_lays_out_the_rows_one_at_a_time_would(dests: list[tuple[int, int]]) -> None:
    """The fill rows, added at once (int32 entries, float32 values while the requested
    counts are exact there), make the matrix and bounds that adding them one at a time made;
    a count beyond float32's exact integers keeps float64 values."""
    z = 40
    by_dest = [
        (np.arange(k * 7, k * 7 + size, dtype=np.int32), req) for k, (size, req) in enumerate(dests)
    ]
    rows = Rows()
    first, requested = min_fill(rows, by_dest, z)
    one_at_a_time = Rows()
    for members, req in by_dest:
        one_at_a_time.add(
            np.concatenate([members, [z]]),
            np.concatenate([np.full(members.size, 1000.0), [-float(req)]]),
            0.0,
            np.inf,
        )
    assert (first, requested) == (0, [req for _, req in dests])
    got, want = rows.matrix(z + 1), one_at_a_time.matrix(z + 1)
    assert got.dtype == want.dtype
    assert (got != want).nnz == 0
    assert rows.lo.tolist() == one_at_a_time.lo.tolist()
    assert rows.hi.tolist() == one_at_a_time.hi.tolist()
    for _, entries, values in rows.pieces:
        assert entries.dtype == np.int32
        exact = all(req <= 2**24 for _, req in dests)
        assert np.asarray(values).dtype == (np.float32 if exact else np.float64)


def test_solver_does_not_import_highspy() -> None:
    code = "import sys, solver.round; assert 'highspy' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "ok", out.stderr


@settings(deadline=None, max_examples=150)
@given(st.data())
def test_groups_by_is_a_stable_sort_by_key_split(data: st.DataObject) -> None:
    """Each group's members are the pairs of its key (the parts read as digits), in
    increasing order, as numpy's stable argsort and a split gave them; masked pairs in
    none, keys not asked for in none, keys asked for with no pair empty."""
    radices = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    n = data.draw(st.integers(0, 40))
    parts = tuple(
        np.array(data.draw(st.lists(st.integers(0, r - 1), min_size=n, max_size=n)), np.int16)
        for r in radices
    )
    size = int(np.prod(radices))
    keys = data.draw(st.lists(st.integers(0, size - 1), unique=True, max_size=size))
    masked = data.draw(st.booleans())
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    key = np.zeros(n, dtype=np.int64)
    for part, radix in zip(parts, radices, strict=True):
        key = key * radix + part
    order = np.argsort(key, kind="stable")
    got = groups_by(parts, radices, keys, mask if masked else None)
    assert len(got) == len(keys)
    for k, members in zip(keys, got, strict=True):
        want = order[key[order] == k]
        if masked:
            want = want[mask[want]]
        assert members.dtype == np.int32
        assert members.tolist() == want.tolist()


Piece = tuple[list[int], list[int], list[float] | float]


@st.composite
def pieces(draw: st.DrawFn, ncols: int) -> list[Piece]:
    """Rows as builders append them: pieces of rows, each row's columns in any order (a
    column twice in one row included), coefficients per entry or one for all."""
    out: list[Piece] = []
    for _ in range(draw(st.integers(0, 6))):
        lengths = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4))
        cols = draw(
            st.lists(st.integers(0, ncols - 1), min_size=sum(lengths), max_size=sum(lengths))
        )
        value = st.one_of(st.integers(-(2**25), 2**25).map(float), st.floats(-1e6, 1e6))
        values: list[float] | float = draw(
            st.one_of(value, st.lists(value, min_size=len(cols), max_size=len(cols)))
        )
        out.append((lengths, cols, values))
    return out


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), pieces(n))))
def test_rows_laid_out_by_columns_as_scipy_converts_them(case: tuple[int, list[Piece]]) -> None:
    """`Rows.matrix` writes each entry straight into its column: the same arrays, entry for
    entry and in the same index types, as the rows gathered by rows and converted by scipy;
    the values in float32 when every one is an integer float32 holds exactly."""
    ncols, given_pieces = case
    rows = Rows()
    by_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for lengths, cols, values in given_pieces:
        n = len(lengths)
        lens, idx = np.array(lengths, dtype=np.int64), np.array(cols, dtype=np.int64)
        given_values = values if isinstance(values, float) else np.array(values)
        rows.add_many(lens, idx, given_values, np.zeros(n), np.ones(n))
        by_rows.append((lens, idx, np.full(idx.size, values, dtype=np.float64)))
    ours = rows.matrix(ncols)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    if by_rows:
        np.cumsum(np.concatenate([r[0] for r in by_rows]), out=indptr[1:])
    data = np.concatenate([r[2] for r in by_rows]) if by_rows else np.zeros(0)
    idx = np.concatenate([r[1] for r in by_rows]) if by_rows else np.zeros(0, dtype=np.int64)
    theirs = sp.csr_matrix((data, idx, indptr), shape=(len(rows), ncols)).tocsc()
    assert ours.shape == theirs.shape
    for name in ("indptr", "indices"):
        mine, scipy_s = getattr(ours, name), getattr(theirs, name)
        assert mine.dtype == scipy_s.dtype, name
        assert np.array_equal(mine, scipy_s), name
    exact = bool(np.all((np.abs(data) <= 2**24) & (data == np.rint(data))))
    assert ours.data.dtype == (np.float32 if exact else np.float64)
    assert np.array_equal(ours.data.astype(np.float64), theirs.data)


def test_rows_refuse_a_column_outside_the_matrix() -> None:
    rows = Rows()
    rows.add(idx(0, 3), 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"rows from 0 on: a column index outside \[0, 3\)"):
        rows.matrix(3)
    with pytest.raises(ValueError, match="outside int32"):
        Rows().add(idx(-1), 1.0, 0.0, 1.0)
