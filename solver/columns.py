"""Column generation over class pairs: a tier's LP solved on a restricted set of columns.

Hard rounds have hundreds of thousands of eligible class pairs, of which an optimal vertex uses a
few percent.  `solve_lp_columns` solves the LP on a restricted master (the columns of the
incumbent, of every fixed column, the best of every row by objective (`PER_CLASS`), and those
the caller adds: the last tier's support, and for tiers 3 and 4 the columns a greedy by their
objective takes, see `solver.tiers.GREEDY_SEEDS`), prices every column at once with numpy
from the master's row duals (reduced cost ``c - A^T y`` over the whole sparse
matrix), adds the best priced-out column of every row (not the best overall, which crowd into a
few rows and swell the master: GLOP's time per simplex iteration grows with the master's
columns), and repeats until no column prices out.  The duals of the last
master are then feasible for every column: the master's optimum is the LP optimum over all
columns, and the returned reduced costs (of every column the LP leaves free, or of every
column) are exact optimality certificates the tier engine uses to keep a tier's optimal face
and to restrict its MIP.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.backends import LinearModel, LpSolution, Outcome, Start, cost_scale, solve_lp
from solver.blocks import BlockStart, Layout, independent_blocks, solve_by_blocks
from solver.compiled_rows import MapArray, maps, reduced_costs, top_of_rows, transposed_times
from solver.master import GlopMaster, KeptMaster

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

FULL_BELOW = 60_000
"""Models with fewer free columns are solved whole (one master of every column), unless the
last LP over the same rows left a master to retarget: a block of tier 1's face (43,000-57,000
free columns on hard L) solved afresh took 0.45-0.93 s in each pooled LP, against 0.1 s from
the kept basis (docs/benchmarks-solver.md, twelfth session)."""
ADD_PER_ROUND = 20_000
"""At most this many priced-out columns join the master per round (best reduced cost first).
More than a hard L master's rows (about 16,600), so with one column a row it does not bind
there; 5,000 sent hard L seed 4's tier 3 to another vertex and a 9 s MIP, 10,000 was noise on
seeds 0-35 (docs/benchmarks-solver.md, nineteenth session)."""
ADD_PER_ROUND_AFRESH = 60_000
"""`ADD_PER_ROUND` for a master that HiGHS solves afresh after a large round (tier 3's on a
round of `solver.master.RECRASH_ROWS` rows or more, hard XL's): such a round costs a whole
HiGHS solve (5-9 s at hard XL) whether it adds 20,000 columns or 60,000, so fewer, larger
rounds pay.  Hard XL seeds 1-3 side by side 239.2 s against 293.6 s (-18.5 %), seed 0 98.6 s
against 98.5 s, the same objectives; seed 10's peak memory 3,919 MB against 3,923 MB.  The
cap of every other master stays (60,000 there cost hard XL's tier 4 more than tier 3 gained,
docs/benchmarks-solver.md, twenty-eighth and thirty-second sessions)."""
PER_ROW = 1
"""Priced-out columns that join the master per row and round: the best by reduced cost."""
PER_CLASS = 1
"""Initial columns per row of the model: the best by objective among the row's columns.  One,
as the first masters also hold the incumbent's columns (tier 1's is the greedy's flows) and,
in tiers 3 and 4, a greedy's by their objective.  On hard L seeds 0-35, one gave fewer simplex
iterations than two on every seed (-6 %: tiers 1 and 4 fewer, 2 + 3 as many), and 505 s
against 528 s side by side (docs/benchmarks-solver.md, eleventh session).  With none, seed
1's tier 3 took twice the iterations."""
PRICE_TOL = 1e-7
PRICE_FREE_BELOW = 0.5
"""The share of an LP's columns below which its free ones alone are priced
(`priced_columns`): after tier 1's face, most class pairs are fixed at 0 and cannot enter a
master, and ``A^T y`` over every column cost hard XL 0.22 s a round where tier 3 leaves
7.4 M of its 20.8 M columns free and tier 4 0.7 M (docs/benchmarks-solver.md, thirty-first
session; with 35 % of them free, 0.12-0.14 s against 0.23 s).  Half is a round figure, not
tuned: the list costs a pass to make, and each column is then read through it."""
RETIRE_ROUNDS = 2
"""After each of a master's first solves (this many), its columns nonbasic at 0 whose reduced
cost is below ``-RETIRE_BELOW`` times the objective's largest coefficient leave it
(`GlopMaster.retire`; pricing may bring them back).  GLOP's time per iteration grows with the
master's columns, and the first rounds bring most of a master's iterations: on hard L seed 33,
tier 3's second master held 28,284 columns instead of 43,157 and took 0.91 s instead of 2.0 s.
Retiring in every round made columns price back in (13 rounds instead of 8); in the first two,
seeds 0-35 ran 5 % faster side by side, and one or four rounds were 2-3 % slower than two
on seeds 0-11 (docs/benchmarks-solver.md, eighteenth session).
Masters that hold artificial columns retire none: on the seeds whose level is proven out,
every later master then took about 12,000 iterations and the round 3-6x as long.  Passing
GLOP the last basis at every later solve cured that, but retiring there then gained nothing
(seeds 0-17 side by side, -0.9 %)."""
RETIRE_BELOW = 1e-3
"""How far a column's reduced cost must lie below zero, relative to the objective's largest
coefficient, for it to retire.  Seeds 0-11 side by side against 1e-3: 1e-6 (nearly every
idle column) +2.6 %, 0.05 +5.5 % (docs/benchmarks-solver.md, eighteenth session)."""
SUPPORT_TOL = 1e-9
SHORTFALL_TOL = 1e-6
"""A feasibility LP whose artificial columns sum to more than this proves the LP infeasible."""
EARLY_PHASE_ONE = True
"""Whether an elastic master whose shortfall (its artificial columns' sum) stops falling from
one pricing round to the next goes to the feasibility LP at once, rather than when the
objective's rounds end.  A tier-3 LP at a level no point reaches otherwise goes on pricing
columns by the benefit under a penalty 1,000 times the largest benefit, GLOP at 3-16 ms an
iteration: on a hard 10,000-posting round with free training (859,369 class pairs) 67.5 s,
the shortfall the same from the second master on (docs/benchmarks-solver.md, twenty-first
session).  Where the shortfall falls until the end (hard L), it changes nothing."""
STALL_SHARE = 1e-6
"""The shortfall stalls when a round takes less than this share of it off."""
FEASIBILITY_FIRST_ABOVE = 10_000_000
"""Columns above which an elastic master that leans on its artificial columns after its first
solve goes to the feasibility LP at once (`EARLY_PHASE_ONE`'s switch, without waiting for the
shortfall to stall).  On a round that large, the big-M rounds that prove a tier-2 level out
cost far more than they later save tier 3: hard XL seeds 0 and 1 (20.8 M class pairs) took
194.4 s against 249.9 s and 250.9 s against 316.0 s, tier 2 63.6 s against 146.7 s and
101.2 s against 218.7 s.  Where the level holds, the feasibility LP before the objective
costs: 60,000 postings (7.5 M and 8.1 M class pairs, both levels held) 52.6 s against
48.7 s and 135.7 s against 127.5 s.  At hard L and 40,000 postings it broke even (seeds 0-35
side by side +1.1 %, seeds 0-3 -0.3 %).  Every round below the threshold, which is twice the
default cap (`solver.limits.MAX_CLASS_PAIRS`), is solved as before, the same objectives in all
(docs/benchmarks-solver.md, twenty-fourth session)."""


def initial_columns(lp: LinearModel, cost: FloatArray, start: Start | None) -> IntArray:
    """Fixed nonzero columns, the incumbent's, and the ``PER_CLASS`` best of every row."""
    free = lp.col_hi > 0
    chosen = np.zeros(lp.ncols, dtype=bool)
    chosen |= lp.col_lo > 0
    if start is not None:
        k = start.size  # the columns after a short start's are at 0 in it
        chosen[:k] |= (start > 0) & free[:k]
    best = best_of_each_row(lp.full_csc(), np.flatnonzero(free), cost, PER_CLASS, rows=lp.nrows)
    chosen[best] = True
    return np.flatnonzero(chosen).astype(np.int64)


def best_of_each_row(
    csc: sp.csc_matrix,
    cols: IntArray,
    score: FloatArray,
    k: int,
    *,
    rows: int | None = None,
    aligned: bool = False,
) -> IntArray:
    """The ``k`` columns of ``cols`` with the highest ``score`` in each row (ties: lowest index),
    over the first ``rows`` rows (all by default); sorted, each once.  ``score`` is every
    column's, or with ``aligned`` ``cols``' in their order.

    One compiled pass over the columns' entries (`solver.compiled_rows.top_of_rows`): this
    runs at every pricing round.
    """
    if cols.size == 0:
        return cols
    nrows = csc.shape[0] if rows is None else min(rows, csc.shape[0])
    best = top_of_rows(
        csc.indptr,
        csc.indices,
        np.asarray(cols, dtype=np.int64),
        np.asarray(score, dtype=np.float64),
        k,
        nrows,
        *maps(csc),
        aligned,
    )
    return np.unique(best[best >= 0])  # int64, as `top_of_rows` returns


def support(sol: LpSolution) -> IntArray:
    """The columns an LP solution uses (a later LP's first master starts from them)."""
    assert sol.x is not None
    return np.flatnonzero(sol.x > SUPPORT_TOL).astype(np.int64)


def is_free_mask(lp: LinearModel, cols: IntArray) -> npt.NDArray[np.bool_]:
    """Which of ``cols`` can be nonzero (not fixed at 0)."""
    out: npt.NDArray[np.bool_] = (lp.col_hi[cols] > 0) | (lp.col_lo[cols] > 0)
    return out


def free_columns(lp: LinearModel) -> IntArray:
    """The columns of ``lp`` that can be nonzero (not fixed at 0)."""
    return np.flatnonzero((lp.col_hi > 0) | (lp.col_lo > 0)).astype(np.int64)


def solved_whole(lp: LinearModel) -> bool:
    """Whether `solve_lp_columns` solves ``lp`` as one master of every column (when no kept
    master is passed): it has at most `FULL_BELOW` free columns."""
    return free_columns(lp).size <= FULL_BELOW


def solve_lp_columns(
    lp: LinearModel,
    cost: FloatArray,
    *,
    time_limit: float,
    start: Start | None = None,
    always: IntArray | None = None,
    keep: KeptMaster | None = None,
    split: bool = True,
    elastic: bool = False,
    reduced_costs: bool = True,
) -> LpSolution:
    """The LP ``max cost . x`` over ``lp`` by column generation; full-length x, duals, rc.

    With ``keep``, the persistent master is left there for the next LP, and one left there by
    the last LP over the same rows is retargeted (`GlopMaster.retarget`: its basis kept)
    instead of a new master from ``start`` and ``always``.  A large LP that falls into
    independent blocks (`solver.blocks`) is solved block by block, two at once.  ``elastic``
    is passed to a new master (`GlopMaster`: its first solve allows artificial columns).
    Without ``reduced_costs``, an LP solved by blocks returns none (tier 2's weighted LPs read
    only x and the optimum, and a full-length vector is spared where a round peaks).
    """
    deadline = time.monotonic() + time_limit
    free = free_columns(lp)
    if free.size > FULL_BELOW and split and not lp.has_dense_rows():
        previous = keep.layout if keep is not None else None
        blocks, loose = independent_blocks(lp, previous)
        if keep is not None:
            keep.layout = (blocks, loose)
        if len(blocks) > 1:
            del free  # each block finds its own: not held while the blocks are solved
            return _by_blocks(
                lp,
                cost,
                (blocks, loose),
                deadline,
                start=start,
                always=always,
                keep=keep,
                reduced_costs=reduced_costs,
            )
    is_free = np.zeros(lp.ncols, dtype=bool)
    is_free[free] = True
    kept = keep.master if keep is not None else None
    if kept is not None and kept.csc.shape != lp.full_csc().shape:
        kept = None
    if free.size > FULL_BELOW or kept is not None:
        # a master kept by the last LP over these rows goes on from its basis, however few
        # columns this LP leaves free (a block of tier 1's face falls below FULL_BELOW)
        del free  # ``is_free`` says it: not held through the LP's column generation
        return _on_master(
            lp,
            cost,
            is_free,
            deadline,
            kept,
            start=start,
            always=always,
            keep=keep,
            elastic=elastic,
        )
    return _whole(lp, cost, free, is_free, deadline)


def _by_blocks(
    lp: LinearModel,
    cost: FloatArray,
    layout: Layout,
    deadline: float,
    *,
    start: Start | None,
    always: IntArray | None,
    keep: KeptMaster | None,
    reduced_costs: bool,
) -> LpSolution:
    """`solve_lp_columns` on an LP of independent blocks (``layout``): each block by its own
    column generation, on its own kept master when ``keep`` holds one (`KeptMaster.part`),
    two at once (`solver.blocks.solve_by_blocks`)."""

    def solve_block(
        sub: LinearModel,
        c: FloatArray,
        start_of: BlockStart,
        al: IntArray | None,
        key: bytes,
    ) -> LpSolution:
        part = None if keep is None else keep.part(key)
        # a block that goes on from its kept master never reads a start: not cut (8 bytes a
        # column of each block under way, as hard XL's round peaks)
        goes_on = part is not None and part.master is not None
        return solve_lp_columns(
            sub,
            c,
            time_limit=deadline - time.monotonic(),
            start=None if goes_on else start_of(),
            always=al,
            keep=part,
            split=False,
        )

    blocks, loose = layout
    return solve_by_blocks(
        lp,
        cost,
        blocks,
        loose,
        solve_block,
        start=start,
        always=always,
        reduced_costs=reduced_costs,
    )


def _on_master(
    lp: LinearModel,
    cost: FloatArray,
    is_free: BoolArray,
    deadline: float,
    kept: GlopMaster | None,
    *,
    start: Start | None,
    always: IntArray | None,
    keep: KeptMaster | None,
    elastic: bool,
) -> LpSolution:
    """`solve_lp_columns` on a persistent GLOP master: ``kept`` (the one ``keep`` holds from
    the last LP over these rows) retargeted, else a new one from ``start``'s columns and
    ``always``; left in ``keep`` for the next LP."""
    csc, row_lo, row_hi = lp.full_matrix()
    if kept is not None:
        kept.retarget(csc, cost, lp.col_lo, lp.col_hi, row_lo, row_hi)
        master = kept
    else:
        first = initial_columns(lp, cost, start)
        if always is not None:
            first = np.union1d(first, always[is_free_mask(lp, always)])
        master = GlopMaster(csc, row_lo, row_hi, lp.col_lo, lp.col_hi, cost, first, elastic=elastic)
    if keep is not None:
        keep.master = master
    tol = PRICE_TOL * cost_scale(cost)
    solved = generate_columns(master, lp, cost, csc, is_free, tol, deadline)
    if keep is not None and solved.outcome == Outcome.FAILED:
        keep.master = None  # its GLOP may be spent (trouble twice): never gone on from
    master.rest()  # kept for the next LP, which retargets it: this LP's arrays let go
    return solved


def _whole(
    lp: LinearModel, cost: FloatArray, free: IntArray, is_free: BoolArray, deadline: float
) -> LpSolution:
    """`solve_lp_columns` on a small LP (`FULL_BELOW` free columns or fewer): every free
    column in the first LP, then the columns that price out added a round at a time, each
    round solved afresh by GLOP."""
    csc, row_lo, row_hi = lp.full_matrix()
    tol = PRICE_TOL * cost_scale(cost)
    in_master = np.zeros(lp.ncols, dtype=bool)
    in_master[free] = True
    live = priced_columns(is_free)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return LpSolution(Outcome.LIMIT)
        cols = np.flatnonzero(in_master)
        sub = LinearModel(
            col_lo=lp.col_lo[cols],
            col_hi=lp.col_hi[cols],
            integer=lp.integer[cols],
            matrix=csc[:, cols],
            row_lo=row_lo,
            row_hi=row_hi,
        )
        sol = solve_lp(sub, cost[cols], maximize=True, time_limit=remaining)
        if sol.outcome != Outcome.OPTIMAL or sol.row_dual is None or sol.x is None:
            return LpSolution(sol.outcome)
        rc = _reduced_costs(cost, csc, sol.row_dual, live)
        found = _priced(rc, live, csc, is_free, in_master, tol, ADD_PER_ROUND)
        if found.size == 0:
            return _optimum(lp, sol, cols, rc, live)
        in_master[found] = True


def _stalled(short: float, last: float) -> bool:
    """Whether a pricing round took less than `STALL_SHARE` of an elastic master's shortfall
    off (``last`` the shortfall before it, infinite at the first solve: never stalled)."""
    return bool(np.isfinite(last)) and short > last - max(SHORTFALL_TOL, STALL_SHARE * last)


def priced_columns(read: npt.NDArray[np.bool_]) -> MapArray | None:
    """The columns pricing reads (``read``'s, int32) when they are fewer than
    `PRICE_FREE_BELOW` of them all; None: every column."""
    if np.count_nonzero(read) >= PRICE_FREE_BELOW * read.size:
        return None
    return np.flatnonzero(read).astype(np.int32)


def _reduced_costs(
    cost: FloatArray | None, csc: sp.csc_matrix, y: FloatArray, live: MapArray | None
) -> FloatArray:
    """Every column's reduced cost ``c - A^T y`` under the row duals ``y`` (``c`` 0 for
    None: phase one's); with ``live`` (`priced_columns`), those columns' alone, in their order
    (the others are fixed at 0: no tier reads their reduced cost)."""
    if live is not None:
        return reduced_costs(csc, y, cost, live)
    rc = transposed_times(csc, y)
    # in place: one full-length vector, not two; ``0.0 - v`` as zeros less rc gave (+0.0)
    return np.subtract(0.0 if cost is None else cost, rc, out=rc)


def _priced(
    rc: FloatArray,
    live: MapArray | None,
    csc: sp.csc_matrix,
    is_free: BoolArray,
    in_master: BoolArray,
    tol: float,
    most: int,
) -> IntArray:
    """Free columns outside the master that price out (reduced cost ``rc > tol``; ``rc``
    every column's, or ``live``'s in their order): the ``PER_ROW`` best of each row, at most
    ``most``, best reduced cost first."""
    # a column at 0 prices out when raising it pays (max): rc > tol
    if live is None:
        at = np.flatnonzero(is_free & ~in_master & (rc > tol))
        score = rc[at]
    else:  # read at ``live`` alone: no full-length masks
        pos = np.flatnonzero(is_free[live] & ~in_master[live] & (rc > tol))
        at, score = live[pos].astype(np.int64), rc[pos]
    priced = best_of_each_row(csc, at, score, PER_ROW, aligned=True)
    if priced.size > most:
        best = np.argsort(-score[np.searchsorted(at, priced)], kind="stable")[:most]
        priced = priced[best]
    return priced


def _at_columns(rc: FloatArray, live: MapArray | None, cols: IntArray) -> FloatArray:
    """The reduced costs (``rc``: every column's, or ``live``'s in their order) of ``cols``,
    each one of ``live``'s when it is given (a master's columns are)."""
    if live is None:
        return rc[cols]
    pos = np.searchsorted(live, cols)
    assert pos.size == 0 or (pos[-1] < live.size and (live[pos] == cols).all())
    return rc[pos]


def _idle(rc: FloatArray, live: MapArray | None, sol: LpSolution, tol: float) -> IntArray:
    """Positions in the master (``sol.columns``) of the columns at 0 that its duals price
    far out: reduced cost (``rc``: every column's, or ``live``'s) below ``-RETIRE_BELOW``
    times the objective's largest coefficient (``tol`` is `PRICE_TOL` times it)."""
    assert sol.columns is not None
    assert sol.x is not None
    far = _at_columns(rc, live, sol.columns) < -tol * RETIRE_BELOW / PRICE_TOL
    return np.flatnonzero(far & (sol.x <= 0)).astype(np.int64)


def _optimum(
    lp: LinearModel, sol: LpSolution, cols: IntArray, rc: FloatArray, live: MapArray | None
) -> LpSolution:
    """The master's optimum as the LP's: full-length x, the duals, the reduced costs under
    those duals (``rc``: every column's, or ``live``'s, as `LpSolution.priced` says)."""
    assert sol.x is not None
    assert sol.row_dual is not None
    x = np.zeros(lp.ncols)
    x[cols] = sol.x
    return LpSolution(
        Outcome.OPTIMAL,
        x=x,
        row_dual=sol.row_dual,
        reduced_cost=rc,
        objective=sol.objective,
        columns=cols,
        priced=live,
    )


def generate_columns(
    master: GlopMaster,
    lp: LinearModel,
    cost: FloatArray,
    csc: sp.csc_matrix,
    is_free: npt.NDArray[np.bool_],
    tol: float,
    deadline: float,
) -> LpSolution:
    """Solve ``master``, add the columns that price out, until none does (then the master's
    optimum is the LP's).

    A master that still leans on an artificial column once none prices out may only mean the
    penalty was too small: the feasibility LP (minimise the artificial columns, x at no cost)
    is then solved by column generation too, and only a positive optimum of it, over every
    column, reports the LP INFEASIBLE (a proof the tier engine builds on); FAILED otherwise.
    The feasibility LP also starts as soon as the shortfall stalls (`EARLY_PHASE_ONE`), or at
    the first solve on an LP of more than `FEASIBILITY_FIRST_ABOVE` columns; if it then finds
    the LP feasible, the objective's rounds go on from its basis, once.
    """
    in_master = np.zeros(lp.ncols, dtype=bool)
    in_master[master.columns] = True
    # a kept master may hold columns this LP fixes at 0: priced too, for their retirement
    live = priced_columns(is_free | in_master)
    most = ADD_PER_ROUND_AFRESH if master.recrashes else ADD_PER_ROUND  # columns a round
    phase_one = False
    early = False  # phase one began before the objective's rounds ended (a stalled shortfall)
    back = False  # an early phase one found the LP feasible: the objective again, for good
    last_short = np.inf
    at_once = lp.ncols > FEASIBILITY_FIRST_ABOVE  # no big-M rounds before the feasibility LP
    rounds = 0
    # the columns are priced by ``price``; None in phase one, whose objective is 0 (not a
    # full-length array of zeros, 8 bytes a column as hard XL's tier-3 LP peaks)
    price: FloatArray | None = cost
    objective_tol = tol
    while True:
        # the last round's reduced costs let go before the master's solve and the next
        # round's: held through them, two full-length vectors at once (8 bytes a column)
        rc: FloatArray | None = None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return LpSolution(Outcome.LIMIT)
        sol = master.solve(remaining)
        if sol.outcome != Outcome.OPTIMAL or sol.row_dual is None or sol.columns is None:
            return LpSolution(sol.outcome)
        if EARLY_PHASE_ONE and not phase_one and not back and master.leans_on_artificial():
            short_now = master.shortfall()
            if at_once or _stalled(short_now, last_short):
                master.phase_one()  # stalled, or a large LP: is the LP feasible at all?
                phase_one, early, tol, price = True, True, PRICE_TOL, None
                continue
            last_short = short_now
        rc = _reduced_costs(price, csc, sol.row_dual, live)
        found = _priced(rc, live, csc, is_free, in_master, tol, most)
        if found.size == 0:
            if phase_one:
                short = master.shortfall() > SHORTFALL_TOL
                if short:  # the feasibility LP's duals: a Farkas certificate, for callers
                    return LpSolution(Outcome.INFEASIBLE, row_dual=sol.row_dual)
                if early and not back:  # feasible: the objective from this feasible basis
                    master.retarget(
                        csc, cost, master.col_lo, master.col_hi, master.row_lo, master.row_hi
                    )
                    phase_one, back, tol, price = False, True, objective_tol, cost
                    continue
                return LpSolution(Outcome.FAILED)
            if master.leans_on_artificial():
                master.phase_one()
                phase_one, tol, price = True, PRICE_TOL, None
                continue
            return _optimum(lp, sol, sol.columns, rc, live)  # not phase one: by ``cost``
        in_master[found] = True
        rounds += 1
        if rounds <= RETIRE_ROUNDS and not master.artificial:  # never phase one: by ``cost``
            in_master[master.retire(_idle(rc, live, sol, tol))] = False
        master.add(found)
