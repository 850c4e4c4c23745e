"""An LP split into independent blocks (`solver.blocks`) against the LP solved whole."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import compiled_rows
from solver.backends import LinearModel, Outcome, solve_lp
from solver.block_columns import BlockColumns
from solver.blocks import independent_blocks, redundant_rows
from solver.columns import best_of_each_row, solve_lp_columns
from solver.compiled_rows import times, transposed_times


def two_cadres_and_a_slack_row(seed: int) -> tuple[LinearModel, np.ndarray]:
    """Two transportation blocks (capacities per row), plus a row over every column that can
    never bind while z (the last column) is fixed at 0: ``sum x - 10 z >= 0``."""
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(2):
        m, n = int(rng.integers(2, 5)), int(rng.integers(3, 9))
        a = (rng.random((m, n)) < 0.6).astype(float)
        a[rng.integers(0, m), :] = 1.0  # every column in some row of its block
        blocks.append(a)
    core = sp.block_diag(blocks).toarray()
    ncols = core.shape[1] + 1
    matrix = np.zeros((core.shape[0] + 1, ncols))
    matrix[:-1, :-1] = core
    matrix[-1, :-1] = 1.0
    matrix[-1, -1] = -10.0
    lp = LinearModel(
        col_lo=np.zeros(ncols),
        col_hi=np.concatenate([rng.integers(0, 4, ncols - 1).astype(float), [0.0]]),
        integer=np.zeros(ncols, dtype=bool),
        matrix=sp.csr_matrix(matrix),
        row_lo=np.concatenate([np.full(core.shape[0], -np.inf), [0.0]]),
        row_hi=np.concatenate([rng.integers(1, 6, core.shape[0]).astype(float), [np.inf]]),
    )
    cost = np.concatenate([rng.integers(-1, 5, ncols - 1).astype(float), [0.0]])
    return lp, cost


def test_a_row_that_cannot_bind_is_redundant_and_one_that_can_is_not() -> None:
    matrix = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, -1.0]]))
    lo, hi = np.zeros(2), np.array([2.0, 3.0])
    # x0 + x1 <= 5 always holds; x0 - x1 >= -2 fails at x = (0, 3)
    red = redundant_rows(matrix, np.array([-np.inf, -2.0]), np.array([5.0, np.inf]), lo, hi)
    assert red.tolist() == [True, False]


@settings(deadline=None, max_examples=80)
@given(st.integers(0, 2**32 - 1))
def test_blocks_side_by_side_are_the_whole_lp(seed: int) -> None:
    import solver.columns as columns

    lp, cost = two_cadres_and_a_slack_row(seed)
    blocks, _ = independent_blocks(lp)
    slack_row = lp.nrows - 1
    assert all(slack_row not in b.rows for b in blocks)  # it cannot bind: dropped
    whole = solve_lp(lp, cost, maximize=True, time_limit=10)
    saved = columns.FULL_BELOW
    try:
        columns.FULL_BELOW = 0  # the block path, even on a tiny LP
        split = solve_lp_columns(lp, cost, time_limit=10)
    finally:
        columns.FULL_BELOW = saved
    assert split.outcome == Outcome.OPTIMAL
    assert whole.objective is not None
    assert split.objective is not None
    assert abs(split.objective - whole.objective) < 1e-7
    assert split.x is not None
    assert lp.rows_hold(split.x, tol=1e-7)
    assert abs(float(cost @ split.x) - split.objective) < 1e-7
    # the duals certify the optimum: no column at its lower bound prices out
    rc = split.every_reduced_cost(lp.ncols)  # one block left alone may price some columns
    assert rc is not None
    at_lo = (split.x <= lp.col_lo + 1e-9) & (lp.col_hi > lp.col_lo)
    assert (rc[at_lo] <= 1e-7).all()
    # each free column's reduced cost, put together from its block's (or its cost, loose), is
    # the whole LP's under the blocks' duals side by side (the dropped rows' duals 0); a block
    # of mostly fixed columns prices its free ones alone (`columns.priced_columns`)
    assert split.row_dual is not None
    whole_rc = cost - lp.matrix.T @ split.row_dual[: lp.nrows]
    free = lp.col_hi > lp.col_lo
    assert np.allclose(rc[free], whole_rc[free], atol=1e-9)


def test_an_earlier_split_is_kept_while_the_rows_it_dropped_stay_redundant() -> None:
    lp, _ = two_cadres_and_a_slack_row(7)
    first = independent_blocks(lp)
    assert independent_blocks(lp, first) is first
    lp.col_hi[-1] = 1.0  # z free again: the row over every column can bind
    again = independent_blocks(lp, first)
    assert again is not first
    assert len(again[0]) == 1


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1), st.sampled_from([10**9, 0]))
def test_a_row_is_redundant_when_no_corner_of_the_column_box_leaves_its_bounds(
    seed: int, split_above: int
) -> None:
    """`redundant_rows` against its definition: every corner of the box the column bounds span
    (its activity is linear, so the corners reach its extremes) keeps the row within its
    bounds, and none is unbounded.  Bounds include infinite ones, the matrix explicit zeros.
    ``split_above`` 0: the activity ranges summed over two shares of the columns, one thread
    each (`compiled_rows.SPLIT_ABOVE`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled_rows, "SPLIT_ABOVE", split_above)
        rows_redundant_by_definition(seed)


def rows_redundant_by_definition(seed: int) -> None:
    import itertools
    import math

    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    dense = rng.integers(-2, 3, (m, n)).astype(float)
    matrix = sp.csc_matrix(dense)
    if matrix.nnz:  # an explicit zero stored in the matrix
        matrix.data[int(rng.integers(0, matrix.nnz))] = 0.0
        dense = matrix.toarray()
    col_hi = rng.choice([0.0, 1.0, 2.0, np.inf], n)
    col_lo = np.minimum(col_hi, rng.choice([-np.inf, -1.0, 0.0, 1.0], n))
    row_hi = rng.choice([-1.0, 0.0, 2.0, 5.0, np.inf], m)
    row_lo = np.minimum(row_hi, rng.choice([-np.inf, -3.0, 0.0, 1.0], m))
    got = redundant_rows(matrix, row_lo, row_hi, col_lo, col_hi)
    for i in range(m):
        terms = [j for j in range(n) if dense[i, j] != 0]
        activities = [
            sum(float(dense[i, j]) * float(v) for j, v in zip(terms, corner, strict=True))
            for corner in itertools.product(*[(col_lo[j], col_hi[j]) for j in terms])
        ]
        within = all(
            math.isfinite(a) and row_lo[i] - 1e-9 <= a <= row_hi[i] + 1e-9 for a in activities
        )
        assert bool(got[i]) == within, (dense[i], col_lo, col_hi, row_lo[i], row_hi[i])


def blocks_by_scipy(lp: LinearModel) -> tuple[list[tuple[list[int], list[int]]], list[int]]:
    """The definition: the kept rows' connected components (scipy), rows joined by a column
    with entries in both; each block's rows and columns ascending, the largest first."""
    from scipy.sparse.csgraph import connected_components

    keep = ~redundant_rows(lp.matrix, lp.row_lo, lp.row_hi, lp.col_lo, lp.col_hi)
    kept = np.flatnonzero(keep)
    sub = abs(lp.matrix[kept])
    joined = (sub @ sub.T) != 0  # rows sharing a column (absolute values: nothing cancels)
    _, label = connected_components(sp.csr_matrix(joined), directed=False)
    blocks = []
    for c in range(int(label.max(initial=-1)) + 1):
        rows = kept[label == c]
        cols = np.flatnonzero(np.asarray((lp.matrix[rows] != 0).sum(axis=0)).ravel() > 0)
        blocks.append((rows.tolist(), cols.tolist()))
    blocks.sort(key=lambda b: (-len(b[1]), b[0][0]))
    touched = np.asarray((lp.matrix[kept] != 0).sum(axis=0)).ravel() > 0
    return blocks, np.flatnonzero(~touched).tolist()


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1))
def test_the_blocks_are_the_kept_rows_connected_components(seed: int) -> None:
    """`independent_blocks` against scipy's components, and each `block_lp` against the
    matrix sliced by the block's rows and columns."""
    from solver.blocks import block_lp

    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 9)), int(rng.integers(1, 12))
    dense = np.where(rng.random((m, n)) < 0.25, rng.integers(-2, 3, (m, n)), 0).astype(float)
    lp = LinearModel(
        col_lo=np.zeros(n),
        col_hi=rng.choice([0.0, 1.0, 3.0], n),
        integer=np.zeros(n, dtype=bool),
        matrix=sp.csr_matrix(dense),
        row_lo=rng.choice([-np.inf, -1.0, 0.0], m),
        row_hi=rng.choice([1.0, 2.0, np.inf], m),
    )
    blocks, loose = independent_blocks(lp)
    want_blocks, want_loose = blocks_by_scipy(lp)
    assert [(b.rows.tolist(), b.cols.array().tolist()) for b in blocks] == want_blocks
    assert loose.tolist() == want_loose
    for b in blocks:
        # held from tier 1 through tier 2: nothing for a range, 4 bytes a column otherwise
        assert b.cols.is_range or (b.cols.listed is not None and b.cols.listed.dtype == np.int32)
        view = block_lp(lp, b).matrix
        got = view.tocsc()
        assert got.has_sorted_indices
        want = lp.matrix[b.rows][:, b.cols.array()]
        assert got.shape == want.shape
        assert (got != want).nnz == 0
        # pricing reads the view as it read the cut matrix, to the bit
        y = rng.normal(0, 10, want.shape[0])
        assert np.array_equal(transposed_times(view, y), transposed_times(want.tocsc(), y))
        score = rng.choice([-np.inf, 0.0, 1.0, 2.5], want.shape[1])
        every = np.arange(want.shape[1], dtype=np.int64)
        for k in (1, 2):
            assert np.array_equal(
                best_of_each_row(view, every, score, k),
                best_of_each_row(want.tocsc(), every, score, k),
            )


def test_a_block_reads_its_lp_s_matrix_in_place() -> None:
    """A block's LP holds no copy of its entries: its matrix reads the LP's arrays through
    the block's maps, its columns taken whole come out as the LP's rows and columns cut, and
    a row added since the split (redundant, so left out) leaves it as it was."""
    from solver.blocks import block_lp

    lp, _ = two_cadres_and_a_slack_row(7)
    blocks, _ = independent_blocks(lp)
    block = blocks[0]
    first = block_lp(lp, block)
    expected = lp.matrix[block.rows][:, block.cols.array()].toarray()
    assert first.matrix.data is lp.matrix.data
    assert block.cols.is_range
    assert first.matrix.col_of is None
    assert first.matrix.indices is lp.matrix.indices
    assert first.matrix.shape == expected.shape
    assert np.array_equal(first.matrix.tocsc().toarray(), expected)
    picked = np.array([2, 0], dtype=np.int64) % expected.shape[1]
    assert np.array_equal(first.matrix[:, picked].toarray(), expected[:, picked])
    lp.col_hi[block.cols.first] = 0.5  # another LP over the same matrix: new bounds
    again = block_lp(lp, block)
    assert again.col_hi[0] == 0.5
    lp.extra.append([np.ones(lp.ncols), 0.0, 1e9])  # a row no x within the bounds meets
    other = block_lp(lp, block)
    assert other.matrix.data is lp.full_csc().data
    assert np.array_equal(other.matrix.tocsc().toarray(), expected)
    with pytest.raises(TypeError, match="read in place"):
        times(other.matrix, np.ones(expected.shape[1]))


def test_a_block_is_cut_only_when_a_thread_takes_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the blocks under way hold their copies: a block's LP is cut when a thread takes it
    on and let go once its solution is folded in, so at most `THREADS` of 7 are out at once;
    the blocks' optima side by side are still the LP's."""
    import threading

    import solver.blocks as blocks_module
    from solver.backends import LpSolution
    from solver.blocks import solve_by_blocks
    from solver.threads import THREADS

    n = 7  # seven rows x_i <= 1 over columns that may reach 2: seven blocks
    lp = LinearModel(
        col_lo=np.zeros(n),
        col_hi=np.full(n, 2.0),
        integer=np.zeros(n, dtype=bool),
        matrix=sp.csr_matrix(np.eye(n)),
        row_lo=np.full(n, -np.inf),
        row_hi=np.ones(n),
    )
    blocks, loose = independent_blocks(lp)
    assert len(blocks) == n
    lock = threading.Lock()
    out, most = 0, 0
    cut = blocks_module.block_lp

    def counted(lp: LinearModel, block: blocks_module.Block) -> LinearModel:
        nonlocal out, most
        with lock:
            out += 1
            most = max(most, out)
        return cut(lp, block)

    def solve(sub: LinearModel, c: np.ndarray, *_rest: object) -> LpSolution:
        nonlocal out
        sol = solve_lp(sub, c, maximize=True, time_limit=10)
        with lock:
            out -= 1
        return sol

    monkeypatch.setattr(blocks_module, "block_lp", counted)
    got = solve_by_blocks(lp, np.arange(1.0, n + 1), blocks, loose, solve, start=None, always=None)
    assert got.outcome == Outcome.OPTIMAL
    assert got.objective == pytest.approx(sum(range(1, n + 1)))
    assert most <= THREADS


def test_a_block_that_fails_is_the_lp_s_outcome() -> None:
    from solver.backends import LpSolution
    from solver.blocks import solve_by_blocks

    lp, cost = two_cadres_and_a_slack_row(7)
    blocks, loose = independent_blocks(lp)
    assert len(blocks) == 2

    def solve(sub: LinearModel, c: np.ndarray, *_rest: object) -> LpSolution:
        if sub.nrows == blocks[1].rows.size:
            return LpSolution(Outcome.LIMIT)
        return solve_lp(sub, c, maximize=True, time_limit=10)

    got = solve_by_blocks(lp, cost, blocks, loose, solve, start=None, always=None)
    assert got.outcome == Outcome.LIMIT


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 2**32 - 1))
def test_a_block_s_warm_columns_are_their_positions_in_it(seed: int) -> None:
    """`BlockColumns.positions` against a full-length map of each column to its place in the
    block, and `in_lp` its inverse, for a list of columns and for a range alike."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    if rng.random() < 0.5:
        cols = np.flatnonzero(rng.random(n) < 0.5).astype(np.int64)
    else:
        first = int(rng.integers(0, n))
        cols = np.arange(first, int(rng.integers(first, n + 1)), dtype=np.int64)
    block = BlockColumns.of(cols)
    assert block.is_range == (cols.size == 0 or cols[-1] - cols[0] + 1 == cols.size)
    wanted = rng.integers(0, n, int(rng.integers(0, 12))).astype(np.int64)
    local = np.full(n, -1, dtype=np.int64)
    local[cols] = np.arange(cols.size)
    at = block.positions(wanted)
    assert at.tolist() == local[wanted][local[wanted] >= 0].tolist()
    assert block.in_lp(at).tolist() == wanted[local[wanted] >= 0].tolist()
    assert block.array().tolist() == cols.tolist()


def test_an_lp_by_blocks_may_leave_its_reduced_costs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tier 2's weighted LPs read x and the optimum only: solved by blocks without reduced
    costs, they get the same x and optimum and no full-length vector of reduced costs."""
    import solver.columns as columns

    monkeypatch.setattr(columns, "FULL_BELOW", 0)  # the block path, even on a tiny LP
    lp, cost = two_cadres_and_a_slack_row(11)
    both = solve_lp_columns(lp, cost, time_limit=10)
    bare = solve_lp_columns(lp, cost, time_limit=10, reduced_costs=False)
    assert both.reduced_cost is not None
    assert bare.reduced_cost is None
    assert bare.objective == both.objective
    assert bare.x is not None
    assert both.x is not None
    assert np.array_equal(bare.x, both.x)


def test_an_lp_by_blocks_holds_no_list_of_free_columns_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each block finds its own free columns: while the blocks are solved, the LP's call
    holds no full-length list or mask of them (16 bytes a class pair at XL's peak)."""
    import sys

    import solver.columns as columns

    held: list[set[str]] = []
    solve = columns.solve_by_blocks

    def watched(*args: object, **kwargs: object) -> object:
        caller = sys._getframe(1).f_locals
        held.append({k for k, v in caller.items() if isinstance(v, np.ndarray) and v.size > 1})
        return solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(columns, "FULL_BELOW", 0)
    monkeypatch.setattr(columns, "solve_by_blocks", watched)
    lp, cost = two_cadres_and_a_slack_row(11)
    sol = solve_lp_columns(lp, cost, time_limit=10)
    assert sol.outcome == Outcome.OPTIMAL
    assert held, "solved by blocks"
    assert held[0] <= {"row_lo", "row_hi", "cost"}, held[0]


@settings(deadline=None, max_examples=100)
@given(st.integers(0, 2**32 - 1))
def test_a_short_start_is_the_full_one_with_the_columns_after_it_at_0(seed: int) -> None:
    """The tiers start an LP from the incumbent as it is (the class pairs' alone, int64):
    a block's part of it and the first master's columns are those of the padded start."""
    from solver.columns import initial_columns

    rng = np.random.default_rng(seed)
    lp, cost = two_cadres_and_a_slack_row(int(rng.integers(0, 1000)))
    short = rng.integers(0, 3, int(rng.integers(0, lp.ncols + 1))).astype(np.int64)
    padded = np.zeros(lp.ncols)
    padded[: short.size] = short
    cols = np.sort(rng.choice(lp.ncols, int(rng.integers(1, lp.ncols + 1)), replace=False))
    assert np.array_equal(BlockColumns.of(cols).part(short), padded[cols])
    first = int(rng.integers(0, lp.ncols))
    span = np.arange(first, int(rng.integers(first + 1, lp.ncols + 1)))
    assert BlockColumns.of(span).is_range
    assert np.array_equal(BlockColumns.of(span).part(short), padded[span])
    assert np.array_equal(initial_columns(lp, cost, short), initial_columns(lp, cost, padded))


def test_a_block_going_on_from_its_kept_master_cuts_no_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tier 2's pooled LPs go on from tier 1's kept masters, which never read a start: a
    block's part of the start is cut only for a block that starts a master afresh, and the
    LP's optimum is the same either way."""
    import solver.columns as columns
    from solver.master import KeptMaster

    monkeypatch.setattr(columns, "FULL_BELOW", 0)
    cut: list[int] = []
    part = BlockColumns.part

    def counted(self: BlockColumns, start: np.ndarray) -> np.ndarray:
        cut.append(self.size)
        return part(self, start)

    monkeypatch.setattr(BlockColumns, "part", counted)
    lp, cost = two_cadres_and_a_slack_row(11)
    start = np.zeros(lp.ncols, dtype=np.int64)
    keep = KeptMaster()
    first = solve_lp_columns(lp, cost, time_limit=10, start=start, keep=keep)
    blocks = len(keep.layout[0]) if keep.layout is not None else 0
    assert blocks > 1
    assert len(cut) == blocks  # every master new: each block's start cut
    cut.clear()
    again = solve_lp_columns(lp, -cost, time_limit=10, start=start, keep=keep)
    assert cut == []  # every block goes on from its master
    fresh = solve_lp_columns(lp, -cost, time_limit=10, start=start)
    assert first.outcome == again.outcome == fresh.outcome == Outcome.OPTIMAL
    assert again.objective == pytest.approx(fresh.objective)


def test_a_block_of_a_range_of_columns_reads_the_lp_s_bounds_and_cost_in_place() -> None:
    """`BlockColumns.take` is ``values[cols]``, a view when the columns are a range (a
    cadre's block: the pairs come cadre by cadre) and a copy otherwise; the blocks of a
    round's LP are ranges, so their LPs share the LP's bounds, and hold no list of their
    columns."""
    from solver.blocks import block_lp

    values = np.arange(10.0)
    for cols in ([2, 3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 4], [7], []):
        at = np.array(cols, dtype=np.int64)
        got = BlockColumns.of(at).take(values)
        assert np.array_equal(got, values[at])
        ranged = at.size > 0 and at[-1] - at[0] + 1 == at.size
        assert np.shares_memory(got, values) == ranged
        assert (BlockColumns.of(at).listed is None) == (ranged or at.size == 0)
    lp, _ = two_cadres_and_a_slack_row(7)
    blocks, _ = independent_blocks(lp)
    for block in blocks:
        sub = block_lp(lp, block)
        assert np.shares_memory(sub.col_lo, lp.col_lo)
        assert np.shares_memory(sub.col_hi, lp.col_hi)
        assert np.array_equal(sub.col_hi, lp.col_hi[block.cols.array()])
        assert block.cols.is_range
