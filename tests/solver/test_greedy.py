"""The greedy on class pairs against its definition: the incumbent (`solver.greedy.greedy_flows`)
and the first masters' seeds (`solver.greedy.greedy_columns`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.greedy import by_priority, greedy_columns, greedy_flows

Caps = list[tuple[np.ndarray, int]]
Case = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Caps]


def pair_by_pair(
    dep: np.ndarray,
    wd: np.ndarray,
    priority: np.ndarray,
    dcap: np.ndarray,
    wcap: np.ndarray,
    caps: Caps,
) -> np.ndarray:
    """The definition, one pair at a time: (priority desc, withdrawal, deposit) order, each pair
    as much as both classes and every capped group holding it allow."""
    left_d, left_w = dcap.copy(), wcap.copy()
    left_g = [cap for _, cap in caps]
    member = [set(idx.tolist()) for idx, _ in caps]
    x = np.zeros(dep.size, dtype=np.int64)
    for p in sorted(range(dep.size), key=lambda p: (-priority[p], wd[p], dep[p])):
        mine = [g for g in range(len(caps)) if p in member[g]]
        take = min([left_d[dep[p]], left_w[wd[p]]] + [left_g[g] for g in mine])
        if take <= 0:
            continue
        x[p] = take
        left_d[dep[p]] -= take
        left_w[wd[p]] -= take
        for g in mine:
            left_g[g] -= take
    return x


@st.composite
def flows(draw: st.DrawFn) -> Case:
    nd = draw(st.integers(1, 6))
    nw = draw(st.integers(1, 6))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, nd - 1), st.integers(0, nw - 1)), max_size=20, unique=True
        )
    )
    dep = np.array([d for d, _ in cells], dtype=np.int64)
    wd = np.array([w for _, w in cells], dtype=np.int64)
    w_priority = np.array(draw(st.lists(st.integers(0, 3), min_size=nw, max_size=nw)))
    dcap = np.array(draw(st.lists(st.integers(0, 9), min_size=nd, max_size=nd)), dtype=np.int64)
    wcap = np.array(draw(st.lists(st.integers(0, 9), min_size=nw, max_size=nw)), dtype=np.int64)
    # each pair in at most one quota group and one depletion group, as in a round
    caps: Caps = []
    for _kind in range(2):
        label = np.array(draw(st.lists(st.integers(-1, 2), min_size=dep.size, max_size=dep.size)))
        for g in range(3):
            idx = np.flatnonzero(label == g).astype(np.int64)
            if idx.size:
                caps.append((idx, draw(st.integers(0, 12))))
    return dep, wd, w_priority[wd] if wd.size else wd, dcap, wcap, caps


@settings(max_examples=300, deadline=None)
@given(flows())
def test_greedy_flows_takes_pairs_in_order_as_much_as_every_cap_allows(case: Case) -> None:
    dep, wd, priority, dcap, wcap, caps = case
    empty = np.zeros(dep.size, dtype=np.int64)
    got = greedy_flows(dep, wd, priority, dcap, wcap, caps, [], empty, 0)
    assert got.tolist() == pair_by_pair(dep, wd, priority, dcap, wcap, caps).tolist()


@settings(max_examples=200, deadline=None)
@given(flows())
def test_the_greedy_s_order_is_priority_then_withdrawal_then_deposit(case: Case) -> None:
    """`by_priority` gives ``np.lexsort``'s order, whether the pairs come as a round holds
    them (by deposit class, then withdrawal class: the grouped path) or in any order."""
    dep, wd, priority, _, wcap, _ = case
    held = np.lexsort((wd, dep))
    for d, w, p in ((dep, wd, priority), (dep[held], wd[held], priority[held])):
        want = np.lexsort((d, w, -p))
        assert by_priority(d, w, p, wcap.size).tolist() == want.tolist()


def columns_pair_by_pair(
    dep: np.ndarray,
    wd: np.ndarray,
    weight: np.ndarray,
    dcap: np.ndarray,
    wcap: np.ndarray,
    caps: Caps,
    lo: np.ndarray,
    hi: np.ndarray,
) -> list[int]:
    """The definition: fixed amounts first; then the pairs that may grow by weight down and
    index up, each as much as its room, both classes and every capped group allow."""
    left_d, left_w = dcap.copy(), wcap.copy()
    left_g = [cap for _, cap in caps]
    member = [set(idx.tolist()) for idx, _ in caps]
    for p in range(dep.size):
        left_d[dep[p]] -= lo[p]
        left_w[wd[p]] -= lo[p]
        for g in range(len(caps)):
            if p in member[g]:
                left_g[g] -= lo[p]
    taken = []
    for p in sorted(range(dep.size), key=lambda p: (-weight[p], p)):
        if hi[p] <= lo[p]:
            continue
        mine = [g for g in range(len(caps)) if p in member[g]]
        take = min([hi[p] - lo[p], left_d[dep[p]], left_w[wd[p]]] + [left_g[g] for g in mine])
        if take <= 0:
            continue
        taken.append(p)
        left_d[dep[p]] -= take
        left_w[wd[p]] -= take
        for g in mine:
            left_g[g] -= take
    return sorted(taken)


@settings(max_examples=300, deadline=None)
@given(flows(), st.data())
def test_greedy_columns_are_the_pairs_a_greedy_by_weight_takes(
    case: Case, data: st.DataObject
) -> None:
    dep, wd, _, dcap, wcap, caps = case
    n = dep.size
    weight = np.array(data.draw(st.lists(st.integers(-2, 3), min_size=n, max_size=n)), dtype=float)
    lo = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    hi = lo + np.array(
        data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=np.int64
    )
    got = greedy_columns(dep, wd, weight, dcap, wcap, caps, lo.astype(float), hi.astype(float))
    assert got.tolist() == columns_pair_by_pair(dep, wd, weight, dcap, wcap, caps, lo, hi)
