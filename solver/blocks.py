"""An LP split into independent blocks: rows that cannot bind dropped, the rest by components.

Tier 1 (and tier 2's pooled LPs) leave the fill rows slack: tier 2's column z is fixed at 0, so
``1000 filled(t) - requested(t) z >= 0`` holds for any x within its bounds.  Without them no row
spans two cadres (C1-C3 are per cadre), and the LP is one LP per cadre.  GLOP's time grows faster
than the LP's size, and independent LPs can run on both cores (MathOpt releases the GIL while
GLOP solves), so `solve_lp_columns` solves such an LP block by block.

A row is *redundant* when its activity stays within its bounds for every x within the column
bounds (from the signs of its coefficients): it never restricts the LP, and 0 is a valid dual
for it.  The other rows and the columns they touch are split into connected components (a
union-find over each column's rows, `solver.compiled_rows.component_labels`); a column in no
such row (*loose*) sits at the bound its cost prefers.  The blocks' optima, vertices and duals
put side by side are the LP's: x is a vertex of the whole LP, and the duals (0 on the redundant
rows) give every column's exact reduced cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, Outcome, Start
from solver.block_columns import BlockColumns
from solver.block_view import BlockView
from solver.compiled_layout import ColumnArray
from solver.compiled_rows import MapArray, activity_ranges, component_labels, grouped
from solver.threads import each

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

BOUND_TOL = 1e-9

BlockStart = Callable[[], FloatArray | None]
"""A block's part of its LP's start, cut when asked for (a block that goes on from a kept
master never reads it)."""
SolveBlock = Callable[[LinearModel, FloatArray, BlockStart, IntArray | None, bytes], LpSolution]
"""Solve one block's LP: (lp, cost, start, always, key) -> its solution, full length."""


@dataclass
class Block:
    """Rows and the columns they touch, independent of every other block."""

    rows: IntArray
    cols: BlockColumns
    """A range of the LP's columns (a cadre's), or their list: a round's blocks hold nearly
    every column, from tier 1 through tier 2's pooled LPs (`solver.block_columns`)."""
    row_of: MapArray = field(repr=False)
    """Each of the LP's rows in its block (its position there; -1 in none): one array the
    blocks of a split share, which reads each block in place (`solver.block_view`)."""

    @property
    def key(self) -> bytes:
        """The block's identity from one LP to the next (its rows)."""
        return self.rows.tobytes()


def redundant_rows(
    matrix: sp.csc_matrix,
    row_lo: FloatArray,
    row_hi: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
) -> BoolArray:
    """Rows whose activity stays within their bounds whatever x within its bounds."""
    lowest, highest = activity_ranges(matrix, col_lo, col_hi)
    tol_lo = BOUND_TOL * np.maximum(1.0, np.abs(row_lo))
    tol_hi = BOUND_TOL * np.maximum(1.0, np.abs(row_hi))
    out: BoolArray = (
        np.isfinite(lowest)
        & np.isfinite(highest)
        & ((row_lo == -np.inf) | (lowest >= row_lo - tol_lo))
        & ((row_hi == np.inf) | (highest <= row_hi + tol_hi))
    )
    return out


Layout = tuple[list[Block], IntArray]
"""An LP's blocks (largest first) and its loose columns."""


def independent_blocks(lp: LinearModel, previous: Layout | None = None) -> Layout:
    """The blocks of ``lp`` and its loose columns; one block when nothing splits.

    ``previous`` (the layout of an earlier LP over the same rows) is kept when every row it
    dropped is still redundant: its blocks are then still independent, and the masters kept
    by block (`solver.master.KeptMaster`) still fit them, where a finer split would not.
    """
    matrix, row_lo, row_hi = lp.full_matrix()
    keep = ~redundant_rows(matrix, row_lo, row_hi, lp.col_lo, lp.col_hi)
    if previous is not None and _still_fits(previous, keep):
        return previous
    csc = lp.full_csc()
    row_label, col_label, count = component_labels(csc.indptr, csc.indices, keep)
    loose = np.flatnonzero(col_label < 0).astype(np.int64)
    rows, row_bounds = grouped(row_label, count)
    order, col_bounds = grouped(col_label, count)
    row_of = np.full(row_label.size, -1, dtype=np.int32)
    for c in range(count):
        row_of[rows[row_bounds[c] : row_bounds[c + 1]]] = np.arange(
            row_bounds[c + 1] - row_bounds[c]
        )
    blocks = [
        Block(
            rows[row_bounds[c] : row_bounds[c + 1]],
            BlockColumns.of(order[col_bounds[c] : col_bounds[c + 1]]),
            row_of,
        )
        for c in range(count)
    ]
    blocks.sort(key=lambda b: (-b.cols.size, int(b.rows[0])))
    return blocks, loose


def _still_fits(layout: Layout, keep: BoolArray) -> bool:
    """Whether every row ``layout`` dropped is among the rows that may bind no more (``~keep``)."""
    held = np.zeros(keep.size, dtype=bool)
    for b in layout[0]:
        if b.rows.size and int(b.rows.max()) >= keep.size:
            return False  # another LP's rows
        held[b.rows] = True
    return not (keep & ~held).any()


def block_lp(lp: LinearModel, block: Block) -> LinearModel:
    """The LP of one block: its rows over its columns, the matrix read in place."""
    matrix, row_lo, row_hi = lp.full_matrix()
    row_of = block.row_of
    if row_of.size < matrix.shape[0]:
        # rows added since the split (a kept tier's row), each redundant (`_still_fits`)
        extra = np.full(matrix.shape[0] - row_of.size, -1, dtype=np.int32)
        row_of = block.row_of = np.concatenate([row_of, extra])
    return LinearModel(  # a cadre's bounds read in place, another block's copied
        col_lo=block.cols.take(lp.col_lo),
        col_hi=block.cols.take(lp.col_hi),
        integer=block.cols.take(lp.integer),
        matrix=BlockView(matrix, block.cols, row_of, int(block.rows.size)),
        row_lo=row_lo[block.rows],
        row_hi=row_hi[block.rows],
    )


def solve_by_blocks(
    lp: LinearModel,
    cost: FloatArray,
    blocks: list[Block],
    loose: IntArray,
    solve_block: SolveBlock,
    *,
    start: Start | None,
    always: IntArray | None,
    reduced_costs: bool = True,
) -> LpSolution:
    """The LP as its blocks' LPs side by side (`solver.threads.THREADS` at once), loose
    columns at a bound; the outcome of the first block (in block order) that fails
    otherwise.  Without ``reduced_costs`` the solution has none (a full-length vector its
    caller does not read).

    Each thread cuts its block's LP (its bounds and cost, in place for a range of columns,
    `BlockColumns.take`; its start) when it takes the block on, and writes the block's solution into
    the LP's before it takes the next: a round's memory peaks while its blocks are solved, so
    only the blocks under way hold copies (docs/benchmarks-solver.md, twenty-fifth session).
    """
    nall = lp.nrows + len(lp.extra)
    x = np.zeros(lp.ncols)
    y = np.zeros(nall)
    # a block's reduced costs are the LP's: its columns' other rows are redundant (dual 0);
    # so are a loose column's, whose reduced cost is its cost
    rc = cost.copy() if reduced_costs else None
    objectives = [0.0] * len(blocks)  # summed in block order, as ever
    columns: list[ColumnArray | None] = [None] * len(blocks)

    def solve_and_fold(i: int) -> Outcome:
        b = blocks[i]
        mine = None if always is None else b.cols.positions(always)

        def start_of() -> FloatArray | None:
            return None if start is None else b.cols.part(start)

        sol = solve_block(block_lp(lp, b), b.cols.take(cost), start_of, mine, b.key)
        if sol.outcome != Outcome.OPTIMAL:
            return sol.outcome
        assert sol.x is not None
        assert sol.row_dual is not None
        assert sol.reduced_cost is not None
        # each block its own columns and rows: the threads write apart
        x[b.cols.index] = sol.x
        y[b.rows] = sol.row_dual
        if rc is not None:  # 0 outside the columns the block priced, as in one LP
            rc[b.cols.index] = sol.every_reduced_cost(b.cols.size)
        objectives[i] = sol.objective or 0.0
        if sol.columns is not None:
            columns[i] = b.cols.in_lp(sol.columns)
        return Outcome.OPTIMAL

    for outcome in each(solve_and_fold, range(len(blocks))):
        if outcome != Outcome.OPTIMAL:
            return LpSolution(outcome)
    x[loose] = np.where(cost[loose] > 0, lp.col_hi[loose], lp.col_lo[loose])
    used = [c for c in columns if c is not None]
    return LpSolution(
        Outcome.OPTIMAL,
        x=x,
        row_dual=y,
        reduced_cost=rc,
        objective=float(sum(objectives) + cost[loose] @ x[loose]),
        columns=np.unique(np.concatenate(used)).astype(np.int64)
        if used
        else np.zeros(0, dtype=np.int64),
    )
