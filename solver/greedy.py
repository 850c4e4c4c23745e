"""Greedy-by-priority baseline: a quick feasible round, the yardstick the MIP must never lose to.

Withdrawals in (priority desc, id) order take eligible deposits in id order, within capacities,
quotas (C2) and depletion caps (C3); pairs of countries below the pair minimum benefit (C4) are
then dropped, which keeps every other constraint satisfied.  `greedy` works posting by posting
with the scalar rules (the tests' yardstick); `greedy_flows` does the same on the solver's
eligible class pairs, fast enough for the largest rounds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from solver.basis import legal_basis
from solver.compiled_groups import group_members
from solver.compiled_pairs import AmountArray, ClassArray
from solver.compiled_values import Flows, flow_type
from solver.eligibility import Context, benefit, first_failure, gap_months
from solver.schema import Deposit, Match, Scenario

IntArray = npt.NDArray[np.int64]


def greedy(scenario: Scenario) -> list[Match]:
    """A feasible set of matches built greedily by priority."""
    ctx = Context.of(scenario)
    left = {d.id: d.count for d in scenario.deposits}
    quotas: dict[tuple[str, str, str], int] = {}
    for agreements in ctx.active.values():
        for a in agreements:
            for c in a.quotas:
                key = (a.origin, a.destination, c)
                room = ctx.quota_headroom(a, c)
                assert room is not None
                quotas[key] = min(room, quotas.get(key, room))
    out_oc: dict[tuple[str, str], int] = defaultdict(int)
    out_otc: dict[tuple[str, str, str], int] = defaultdict(int)
    chosen: list[Match] = []
    by_cadre: dict[str, list[Deposit]] = defaultdict(list)
    for d in sorted(scenario.deposits, key=lambda d: d.id):
        by_cadre[d.cadre].append(d)
    for w in sorted(scenario.withdrawals, key=lambda w: (-w.priority, w.id)):
        need = w.count
        for d in by_cadre.get(w.cadre, []):
            if need == 0:
                break
            if left[d.id] == 0 or first_failure(ctx, d, w) is not None:
                continue
            take = min(need, left[d.id])
            if w.modality == "relocation":
                otc = (d.country, w.country, w.cadre)
                if otc in quotas:
                    take = min(take, quotas[otc] - out_otc[otc])
                cap = ctx.depletion_headroom(d.country, w.cadre)
                if cap is not None:
                    take = min(take, cap - out_oc[(d.country, w.cadre)])
            if take <= 0:
                continue
            if w.modality == "relocation":
                out_otc[(d.country, w.country, w.cadre)] += take
                out_oc[(d.country, w.cadre)] += take
            left[d.id] -= take
            need -= take
            best = ctx.agreement_of_pair(d.country, w.country, w.cadre)
            chosen.append(
                Match(
                    deposit_id=d.id,
                    withdrawal_id=w.id,
                    count=take,
                    benefit_usd_per_worker=benefit(ctx, d, w),
                    language_training_months=gap_months(ctx, d, w),
                    agreement_id=best.id if best else None,
                    basis=legal_basis(ctx, d, w),
                )
            )
    minimum = scenario.policy.pair_minimum_benefit_usd
    if minimum > 0:
        deps = {d.id: d.country for d in scenario.deposits}
        wds = {w.id: w.country for w in scenario.withdrawals}
        total: dict[tuple[str, str], int] = defaultdict(int)
        for m in chosen:
            total[(deps[m.deposit_id], wds[m.withdrawal_id])] += m.benefit_usd_per_worker * m.count
        chosen = [m for m in chosen if total[(deps[m.deposit_id], wds[m.withdrawal_id])] >= minimum]
    merged: dict[tuple[str, str], Match] = {}
    for m in chosen:
        ids = (m.deposit_id, m.withdrawal_id)
        if ids in merged:
            merged[ids] = merged[ids].model_copy(update={"count": merged[ids].count + m.count})
        else:
            merged[ids] = m
    return [merged[k] for k in sorted(merged)]


def greedy_flows(
    dep: ClassArray,
    wd: ClassArray,
    priority: npt.NDArray[np.signedinteger[Any]],
    dcap: IntArray,
    wcap: IntArray,
    caps: Sequence[tuple[Members, int]],
    minimum: Sequence[Members],
    benefit: AmountArray,
    minimum_benefit: int,
) -> Flows:
    """Greedy by priority on eligible class pairs (the solver's start and fallback incumbent).

    Pairs are taken in (priority desc, withdrawal class, deposit class) order, each as much as
    the two classes' capacities and its capped groups (``caps``: C2 quota and C3 depletion rows,
    pair indices and cap) allow; then every (origin, destination) group of ``minimum`` (C4)
    whose total benefit stays below ``minimum_benefit`` is emptied, which keeps the rest
    feasible.  The pairs are taken by `_take_in_order`, as `greedy_columns`' are.
    """
    n = int(dep.size)
    x: Flows = np.zeros(n, dtype=flow_type(float(min(dcap.max(initial=0), wcap.max(initial=0)))))
    if n == 0:
        return x
    slot = _group_slots(n, caps)
    left_g = np.array([cap for _, cap in caps] + [NO_LIMIT], dtype=np.int64)
    order = by_priority(dep, wd, priority, wcap.size)
    room = np.zeros(0, dtype=np.int64)  # no pair's own bound limits it
    # copies of the capacities (astype copies): the take spends what it is given
    left_d, left_w = dcap.astype(np.int64), wcap.astype(np.int64)
    taken, amounts = _take_in_order(order, dep, wd, slot, left_d, left_w, left_g, room, False)
    x[taken] = amounts
    for idx in minimum:
        if x[idx].sum() > 0 and int((benefit[idx] * x[idx]).sum()) < minimum_benefit:
            x[idx] = 0
    return x


def by_priority(
    dep: ClassArray, wd: ClassArray, priority: npt.NDArray[np.signedinteger[Any]], nw: int
) -> npt.NDArray[np.signedinteger[Any]]:
    """The pairs in (priority desc, withdrawal class, deposit class) order.

    A round's pairs share their withdrawal class's priority, and each withdrawal class's
    pairs come in deposit class order (one cadre's, `solver.classes`): the order is then the
    withdrawal classes', each class's pairs as they are, grouped by class in two compiled
    passes (`solver.compiled_groups`), 0.2 s on hard XL's 20.8 M pairs where ``np.lexsort``
    took 1.4 s.  Pairs that do not come so are sorted by ``np.lexsort``."""
    prio, grouped = _class_priorities(dep, wd, priority, nw)
    if not grouped:
        return np.lexsort((dep, wd, -priority))
    classes = np.lexsort((np.arange(nw), -prio))
    rank = np.empty(nw, dtype=np.int32)
    rank[classes] = np.arange(nw, dtype=np.int32)
    order, _ = group_members((wd.astype(np.int32, copy=False),), (nw,), rank)
    return order


@njit(cache=True, nogil=True)
def _class_priorities(
    dep: ClassArray, wd: ClassArray, priority: npt.NDArray[np.signedinteger[Any]], nw: int
) -> tuple[IntArray, bool]:
    """Each withdrawal class's priority, and whether every class's pairs share it and come
    in increasing deposit class order (one pass in the pairs' order)."""
    prio = np.zeros(nw, dtype=np.int64)
    last = np.full(nw, -1, dtype=np.int64)
    for p in range(dep.size):
        j = wd[p]
        if dep[p] <= last[j] or (last[j] >= 0 and prio[j] != priority[p]):
            return prio, False
        last[j] = dep[p]
        prio[j] = priority[p]
    return prio, True


Members = npt.NDArray[np.integer[Any]]
"""The class pairs a capped group holds (`solver.constraints.Group`: int32)."""
SlotArray = npt.NDArray[np.int32]
"""Each pair's capped groups (`_group_slots`)."""
NO_LIMIT = 1 << 62
"""Room of what does not limit a take: the "no group" slot of `_group_slots` (the last entry
of a greedy's groups left) and, in `greedy_flows`, a pair's own bound (no full-length array
of it: 8 bytes a pair faulted in, hard XL's 166 MB)."""


def _group_slots(
    n: int, caps: Sequence[tuple[Members, int]], among: IntArray | None = None
) -> SlotArray:
    """Each pair's capped groups (two rows: index into ``caps``, or ``len(caps)`` for none,
    whose room is `NO_LIMIT`), int32: 8 bytes a pair; with ``among`` (ascending pairs), those
    pairs' alone, in their order.

    A pair lies in at most one C2 row (one quota per (origin, destination, cadre)) and one C3
    row (per (origin, cadre)).
    """
    slot = np.full((2, n if among is None else among.size), len(caps), dtype=np.int32)
    within = np.zeros(n if among is not None else 0, dtype=bool)
    if among is not None:
        within[among] = True
    for gi, (members, _) in enumerate(caps):
        idx: Members = members
        if among is not None:  # its members among them, as positions in ``among``
            idx = np.searchsorted(among, members[within[members]])
        k = (slot[0, idx] != len(caps)).astype(np.int64)
        if (slot[1, idx[k == 1]] != len(caps)).any():
            raise ValueError("a pair lies in more than two capped groups")
        slot[k, idx] = gi
    return slot


def greedy_columns(
    dep: ClassArray,
    wd: ClassArray,
    weight: npt.NDArray[np.float64],
    dcap: IntArray,
    wcap: IntArray,
    caps: Sequence[tuple[Members, int]],
    col_lo: npt.NDArray[np.float64],
    col_hi: npt.NDArray[np.float64],
) -> IntArray:
    """The class pairs a greedy by ``weight`` takes: the likely columns of an LP's optimum.

    Pairs fixed above 0 (``col_lo``) take their share of the capacities first; then the pairs
    that may grow, highest weight first (ties: lowest index), each as much as its bounds, its
    two classes' capacities and its capped groups (``caps``, as in `greedy_flows`) allow.
    Column generation (`solver.columns`) adds these to a tier's first master: a master
    holding them needs far fewer simplex iterations to its optimum (docs/benchmarks-solver.md,
    ninth session).  Fill rows and C4 are ignored: only which columns, not a feasible flow.
    """
    n = int(dep.size)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # each step's arrays let go before the next, and only the pairs that may grow (``free``)
    # get a room and groups, in the order they are taken: on hard XL this runs over 30 M pairs
    # as the round holds the most it ever does, and both full-length (16 bytes a pair) made
    # seed 33's peak (docs/benchmarks-solver.md, twenty-sixth and thirty-ninth sessions)
    fixed_at = np.flatnonzero(col_lo > 0)
    fixed = np.rint(col_lo[fixed_at]).astype(np.int64)
    left_d = dcap - np.bincount(dep[fixed_at], weights=fixed, minlength=dcap.size).astype(np.int64)
    left_w = wcap - np.bincount(wd[fixed_at], weights=fixed, minlength=wcap.size).astype(np.int64)
    held = np.zeros(len(caps) + 1, dtype=np.int64)  # each capped group's fixed pairs' share
    for row in _group_slots(n, caps, fixed_at):  # a pair is in a group through one row at most
        np.add.at(held, row, fixed)
    left_g = np.array(
        [cap - int(held[g]) for g, (_, cap) in enumerate(caps)] + [NO_LIMIT], dtype=np.int64
    )
    del fixed_at, fixed
    free = np.flatnonzero(col_hi > col_lo)
    key = weight[free]
    np.negative(key, out=key)
    by_weight = np.argsort(key, kind="stable")  # ties in index order, as ``free`` is
    del key
    slot = _group_slots(n, caps, free)[:, by_weight]
    order = free[by_weight]
    del free, by_weight
    room = col_hi[order]  # each pair's own room, in ``order``
    room -= col_lo[order]
    taken, _ = _take_in_order(
        order, dep, wd, slot, left_d, left_w, left_g, np.rint(room, out=room).astype(np.int64), True
    )
    return np.sort(taken).astype(np.int64)


@njit(cache=True, nogil=True)
def _take_in_order(
    order: IntArray,
    dep: ClassArray,
    wd: ClassArray,
    slot: SlotArray,
    left_d: IntArray,
    left_w: IntArray,
    left_g: IntArray,
    room: IntArray,
    aligned: bool,
) -> tuple[npt.NDArray[np.int32], IntArray]:
    """Pairs in ``order``, each taking as much as its ``room`` (none: no room of its own
    limits it), its deposit and withdrawal
    classes' capacity left and its capped groups' (``slot``, ``left_g``) allow: the pairs that
    took some, in that order, and how much.  ``slot`` and ``room`` are every pair's, or with
    ``aligned`` those of ``order``'s pairs in its order.  Compiled, one pair at a time (a
    Python loop took 18 s on hard XL's 21 M pairs); spends ``left_d``, ``left_w`` and
    ``left_g``."""
    taken = np.empty(order.size, dtype=np.int32)  # class pairs: far below 2**31
    amounts = np.empty(order.size, dtype=np.int64)
    found = 0
    for k in range(order.size):
        p = order[k]
        at = k if aligned else p
        # a pair of a spent class takes nothing: its classes' capacity read first spares the
        # reads of its groups and room (hard XL's greedy: 0.70 s against 0.84 s)
        j = wd[p]
        if left_w[j] <= 0:
            continue
        i = dep[p]
        if left_d[i] <= 0:
            continue
        a, b = slot[0, at], slot[1, at]
        own = room[at] if room.size else NO_LIMIT
        take = min(own, left_d[i], left_w[j], left_g[a], left_g[b])
        if take > 0:
            left_d[i] -= take
            left_w[j] -= take
            left_g[a] -= take
            left_g[b] -= take
            taken[found] = p
            amounts[found] = take
            found += 1
    return taken[:found], amounts[:found]
