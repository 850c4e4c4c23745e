"""Properties over random small scenarios: feasibility, honesty, optimality, determinism."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings

from fixtures.hard import generate_hard_scenario
from solver import check_solution, solve
from solver.basis import legal_basis
from solver.check import check_matches, objective_of
from solver.classes import Pairs, enumerate_pairs
from solver.eligibility import (
    CODE_INDEX,
    CadreBlock,
    Context,
    benefit,
    first_failure,
    gap_months,
)
from solver.greedy import greedy
from solver.schema import Match, Scenario
from tests.solver.pair_order import cadre_then_class_key
from tests.solver.strategies import scenarios

SETTINGS = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def dump(result: Any) -> dict[str, Any]:
    return result.model_dump(mode="json", include={"matches", "objective", "unmatched"})


@SETTINGS
@given(scenarios())
def test_result_is_feasible_and_honest_and_beats_greedy(raw: dict[str, Any]) -> None:
    s = Scenario.model_validate(raw)
    result = solve(s)
    assert result.status == "OPTIMAL"
    assert check_solution(s, result) == []
    ctx = Context.of(s)
    by_id = {d.id: d for d in s.deposits}, {w.id: w for w in s.withdrawals}
    for m in result.matches or []:
        assert m.basis == legal_basis(ctx, by_id[0][m.deposit_id], by_id[1][m.withdrawal_id])
    base = greedy(s)
    assert check_matches(s, base) == []
    assert result.objective is not None
    assert result.objective.priority_fill >= objective_of(s, base).priority_fill
    assert result.bound is not None
    assert result.bound.priority_fill == result.objective.priority_fill
    placed = {m.deposit_id: 0 for m in result.matches or []}
    for m in result.matches or []:
        placed[m.deposit_id] += m.count
    assert result.unmatched is not None
    for u in result.unmatched.deposits:
        d = next(d for d in s.deposits if d.id == u.id)
        assert u.unplaced == d.count - placed.get(d.id, 0)
        assert u.reasons


@SETTINGS
@given(scenarios())
def test_compiled_rules_agree_with_scalar_rules(raw: dict[str, Any]) -> None:
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    countries = {c.code: i for i, c in enumerate(s.countries)}
    for cadre in {d.cadre for d in s.deposits}:
        ds = [d for d in s.deposits if d.cadre == cadre]
        block = CadreBlock(ctx, cadre, ds, list(s.withdrawals), countries)
        codes, gaps = block.first_failures(slice(0, len(ds)))
        for i, d in enumerate(ds):
            for j, w in enumerate(s.withdrawals):
                code = first_failure(ctx, d, w)
                assert codes[i, j] == (0 if code is None else CODE_INDEX[code])
                reached_e10 = code is None or CODE_INDEX[code] >= CODE_INDEX["LANGUAGE_GAP"]
                if reached_e10:
                    months = gaps[i, j] * s.policy.language_months_per_level
                    assert months == gap_months(ctx, d, w)
                else:
                    assert gaps[i, j] == -1
    pairs = enumerate_pairs(ctx, s)
    n = sum(1 for d in s.deposits for w in s.withdrawals if first_failure(ctx, d, w) is None)
    assert pairs.pairs_eligible == n


def class_pair_codes(ctx: Context, pairs: Pairs) -> Iterator[tuple[int, int, int]]:
    """(deposit class, withdrawal class, code) of every pair of classes of one cadre, by the
    scalar rules (code 0: eligible), in class order."""
    for i, dc in enumerate(pairs.deposits):
        for j, wc in enumerate(pairs.withdrawals):
            if dc.rep.cadre == wc.rep.cadre:
                code = first_failure(ctx, dc.rep, wc.rep)
                yield i, j, 0 if code is None else CODE_INDEX[code]


@SETTINGS
@given(scenarios())
def test_reason_statistics_count_every_counterpart_by_its_first_failing_rule(
    raw: dict[str, Any],
) -> None:
    """`enumerate_pairs`' workers per rule code equal a count over every pair of classes of
    one cadre."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    pairs = enumerate_pairs(ctx, s)
    w_expected = np.zeros_like(pairs.w_workers)
    d_expected = np.zeros_like(pairs.d_workers)
    for i, j, k in class_pair_codes(ctx, pairs):
        w_expected[j, k] += pairs.deposits[i].total
        d_expected[i, k] += pairs.withdrawals[j].total
    assert np.array_equal(pairs.w_workers, w_expected)
    assert np.array_equal(pairs.d_workers, d_expected)


def assert_first_counterparts(s: Scenario, **constants: int) -> None:
    """The representative of a (class, code) is the first counterpart class, in class order,
    whose pair first fails that code; for a language gap, the first of those with the
    smallest gap (``constants``: `solver.classes`' changed for the enumeration)."""
    ctx = Context.of(s)
    pairs = enumerate_with(ctx, s, **constants)
    lang = CODE_INDEX["LANGUAGE_GAP"]
    w_rep = np.full_like(pairs.w_rep, -1)
    d_rep = np.full_like(pairs.d_rep, -1)
    w_best: dict[int, int] = {}
    d_best: dict[int, int] = {}
    for i, j, k in class_pair_codes(ctx, pairs):
        if k != lang:
            w_rep[j, k] = i if w_rep[j, k] < 0 else w_rep[j, k]
            d_rep[i, k] = j if d_rep[i, k] < 0 else d_rep[i, k]
            continue
        gap = gap_months(ctx, pairs.deposits[i].rep, pairs.withdrawals[j].rep)
        if gap < w_best.get(j, gap + 1):
            w_best[j], w_rep[j, k] = gap, i
        if gap < d_best.get(i, gap + 1):
            d_best[i], d_rep[i, k] = gap, j
    assert np.array_equal(pairs.w_rep, w_rep)
    assert np.array_equal(pairs.d_rep, d_rep)


@SETTINGS
@given(scenarios())
def test_each_reason_names_the_first_counterpart_that_fails_it(raw: dict[str, Any]) -> None:
    assert_first_counterparts(Scenario.model_validate(raw))


def test_each_reason_of_a_hard_round_names_the_first_counterpart_that_fails_it() -> None:
    """A hard round's classes fail on language with many counterparts, at tied gaps: in one
    run a cadre, and one deposit class a chunk in runs scanned at once (a later run's tie
    keeps the earlier run's row)."""
    s = Scenario.model_validate(generate_hard_scenario(400, seed=5))
    assert_first_counterparts(s)
    assert_first_counterparts(s, CHUNK_ENTRIES=1, RUN_ENTRIES=0)


@SETTINGS
@given(scenarios())
def test_class_pairs_are_the_eligible_ones_with_the_scalar_rules_fields(
    raw: dict[str, Any],
) -> None:
    """Every pair of classes whose representatives the scalar rules find eligible, and no
    other, each once, with its benefit, training months and preferences met as the scalar
    definitions give them, chunked either way (`solver.compiled_pairs` writes them)."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    for pairs in (enumerate_pairs(ctx, s), enumerate_with(ctx, s, CHUNK_ENTRIES=1)):
        expected = {}
        for i, j, code in class_pair_codes(ctx, pairs):
            d, w = pairs.deposits[i].rep, pairs.withdrawals[j].rep
            if code == 0:
                prefs = int(w.country in d.preferred_destinations)
                prefs += int(d.country in w.preferred_origins)
                expected[i, j] = (benefit(ctx, d, w), gap_months(ctx, d, w), prefs)
        got = {
            (int(i), int(j)): (int(b), int(m), int(p))
            for i, j, b, m, p in zip(
                pairs.dep, pairs.wd, pairs.benefit, pairs.months, pairs.prefs, strict=True
            )
        }
        assert len(got) == len(pairs)
        assert got == expected


@SETTINGS
@given(scenarios())
def test_class_pairs_and_statistics_do_not_depend_on_the_chunks(raw: dict[str, Any]) -> None:
    """One deposit class per chunk, merged in order, gives what one chunk per cadre gives: the
    same pairs, reason counts and representatives (a language gap's: the deposit class with
    the smallest gap, the first of them); so do those chunks cut into runs scanned at once,
    each run's statistics folded in after the earlier runs'."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    whole = enumerate_pairs(ctx, s)
    for rows in (
        enumerate_with(ctx, s, CHUNK_ENTRIES=1),
        enumerate_with(ctx, s, CHUNK_ENTRIES=1, RUN_ENTRIES=0),
        enumerate_with(ctx, s, CHUNK_ENTRIES=1, RUN_ENTRIES=0, THREADS=3),
    ):
        for name in ("dep", "wd", "benefit", "months", "prefs", "w_workers", "w_rep"):
            assert np.array_equal(getattr(rows, name), getattr(whole, name)), name
        assert np.array_equal(rows.d_workers, whole.d_workers)
        assert np.array_equal(rows.d_rep, whole.d_rep)
        assert rows.pairs_eligible == whole.pairs_eligible


@SETTINGS
@given(scenarios())
def test_class_pairs_come_cadre_by_cadre_in_deposit_then_withdrawal_class_order(
    raw: dict[str, Any],
) -> None:
    """The model's columns follow the pairs' order, so ties break the same way on every run:
    cadre by cadre (in the cadres' sorted order), each cadre's sorted by deposit class, then
    withdrawal class, however the rows were chunked."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    for pairs in (enumerate_pairs(ctx, s), enumerate_with(ctx, s, CHUNK_ENTRIES=1)):
        key = cadre_then_class_key(pairs)
        assert np.array_equal(np.argsort(key, kind="stable"), np.arange(len(pairs)))
        assert np.all(np.diff(key) > 0), "each pair once, in strictly increasing order"


def enumerate_with(ctx: Context, s: Scenario, **constants: int) -> Pairs:
    """`enumerate_pairs` with some of `solver.classes`' constants changed for this call."""
    import solver.classes as classes

    saved = {name: getattr(classes, name) for name in constants}
    for name, value in constants.items():
        setattr(classes, name, value)
    try:
        return enumerate_pairs(ctx, s)
    finally:
        for name, value in saved.items():
            setattr(classes, name, value)


def brute_forceable(s: Scenario) -> bool:
    """Whether exhaustive search over every eligible pair's count stays small."""
    ctx = Context.of(s)
    eligible = [
        (d, w) for d in s.deposits for w in s.withdrawals if first_failure(ctx, d, w) is None
    ]
    return bool(np.prod([min(d.count, w.count) + 1 for d, w in eligible]) <= 3000)


def brute_force(s: Scenario) -> tuple[int, int, int]:
    """Lexicographic optimum of tiers 1-3 by enumerating every integer x."""
    ctx = Context.of(s)
    eligible = [
        (d, w) for d in s.deposits for w in s.withdrawals if first_failure(ctx, d, w) is None
    ]
    best = (0, 0, 0)
    ranges = [range(min(d.count, w.count) + 1) for d, w in eligible]
    for xs in itertools.product(*ranges):
        matches = [
            Match(
                deposit_id=d.id,
                withdrawal_id=w.id,
                count=x,
                benefit_usd_per_worker=0,
                language_training_months=0,
            )
            for (d, w), x in zip(eligible, xs, strict=True)
            if x > 0
        ]
        matches.sort(key=lambda m: (m.deposit_id, m.withdrawal_id))
        violations = [v for v in check_matches(s, matches) if v.startswith("C")]
        if violations:
            continue
        o = objective_of(s, matches)
        best = max(best, (o.priority_fill, o.min_fill_permille, o.benefit_usd))
    return best


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_tiers_equal_exhaustive_search(raw: dict[str, Any]) -> None:
    s = Scenario.model_validate(raw)
    if not brute_forceable(s):
        return
    result = solve(s)
    assert result.objective is not None
    got = (
        result.objective.priority_fill,
        result.objective.min_fill_permille,
        result.objective.benefit_usd,
    )
    assert got == brute_force(s)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=4))
def test_deterministic_whatever_the_workers(raw: dict[str, Any]) -> None:
    a = dump(solve(raw, num_workers=1))
    b = dump(solve(raw, num_workers=2))
    c = dump(solve(raw))
    assert a == b == c


def objective_tuple(result: Any) -> tuple[int, int, int]:
    o = result.objective
    return (o.priority_fill, o.min_fill_permille, o.benefit_usd)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=4))
def test_column_generation_from_a_tiny_master_gives_the_same_round(raw: dict[str, Any]) -> None:
    """Masters of one column per row, two columns added per round: same tiers, still proven."""
    import solver.columns as columns

    s = Scenario.model_validate(raw)
    whole = solve(s)
    saved = (columns.FULL_BELOW, columns.ADD_PER_ROUND, columns.PER_CLASS)
    try:
        columns.FULL_BELOW, columns.ADD_PER_ROUND, columns.PER_CLASS = 0, 2, 1
        generated = solve(s)
    finally:
        columns.FULL_BELOW, columns.ADD_PER_ROUND, columns.PER_CLASS = saved
    assert generated.status == "OPTIMAL"
    assert check_solution(s, generated) == []
    assert objective_tuple(generated) == objective_tuple(whole)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_certified_mip_path_equals_exhaustive_search(raw: dict[str, Any]) -> None:
    """Every LP vertex treated as fractional: each tier comes from the reduced-cost MIP."""
    s = Scenario.model_validate(raw)
    if brute_forceable(s):
        assert_exact_with_vertex_check(s, lambda *args: None)


def assert_exact_with_vertex_check(s: Scenario, vertex_check: Any) -> None:
    """Solve ``s`` with ``solver.tiers.integral_vertex`` replaced: optimal, feasible, exact."""
    import solver.tiers as tiers

    real = tiers.integral_vertex
    tiers.integral_vertex = vertex_check
    try:
        result = solve(s)
    finally:
        tiers.integral_vertex = real
    assert result.status == "OPTIMAL"
    assert check_solution(s, result) == []
    assert objective_tuple(result) == brute_force(s)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_a_tier_proven_by_mip_then_tiers_proven_by_their_lp(raw: dict[str, Any]) -> None:
    """Tier 1 through the reduced-cost MIP (kept by a dense row, no deferral), the next tiers by
    their LP vertex: the vertex check must read the dense row's bounds too."""
    import solver.tiers as tiers

    s = Scenario.model_validate(raw)
    if not brute_forceable(s):
        return
    tiers.DEFER = False
    try:
        assert_exact_with_vertex_check(s, nth_calls_fractional({1}))
    finally:
        tiers.DEFER = True


def nth_calls_fractional(fractional: set[int]) -> Any:
    """A vertex check that reports the listed calls (1-based) as fractional."""
    import solver.tiers as tiers

    real = tiers.integral_vertex
    calls = [0]

    def check(*args: Any) -> Any:
        calls[0] += 1
        return None if calls[0] in fractional else real(*args)

    return check


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_tiers_kept_by_their_face_and_proven_by_a_later_vertex(raw: dict[str, Any]) -> None:
    """Vertex checks reported fractional (1: tier 1, 2: tier 3, 3: tier 4; tier 2 has none):
    a deferred tier's LP face is kept and a later integral vertex proves it, or, none coming,
    the first deferred tier goes through its certified MIP."""
    s = Scenario.model_validate(raw)
    if brute_forceable(s):
        for fractional in ({1}, {2}, {1, 2}, {2, 3}, {1, 2, 3}):
            assert_exact_with_vertex_check(s, nth_calls_fractional(fractional))


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_a_large_rounds_fractional_tier_4_keeps_tier_3s_solution(raw: dict[str, Any]) -> None:
    """Above `TIER4_MIP_MAX_PAIRS`, a fractional tier-4 vertex keeps tier 3's solution (no
    MIP for a tie-break): tiers 1-3 still exact and proven, tier 4 reported unproven."""
    import solver.tiers as tiers

    s = Scenario.model_validate(raw)
    if not brute_forceable(s):
        return
    saved = tiers.TIER4_MIP_MAX_PAIRS
    tiers.TIER4_MIP_MAX_PAIRS = 0
    try:
        assert_exact_with_vertex_check(s, nth_calls_fractional({3}))
    finally:
        tiers.TIER4_MIP_MAX_PAIRS = saved


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=3, max_count=3))
def test_a_large_rounds_tie_break_is_skipped_over_a_tier_proven_by_mip(raw: dict[str, Any]) -> None:
    """Above `TIER4_MIP_MAX_PAIRS`, tier 3 proven by its MIP (kept off its LP's face, by its
    reduced costs or a dense row) leaves tier 4 unsolved: tiers 1-3 still exact and proven,
    tier 4 kept from tier 3's solution."""
    import time

    import solver.tiers as tiers
    from solver.classes import enumerate_pairs
    from solver.model import RoundModel

    s = Scenario.model_validate(raw)
    if not brute_forceable(s):
        return
    ctx = Context.of(s)
    model = RoundModel(ctx, enumerate_pairs(ctx, s))
    saved = tiers.TIER4_MIP_MAX_PAIRS, tiers.DEFER, tiers.integral_vertex
    tiers.TIER4_MIP_MAX_PAIRS, tiers.DEFER = -1, False
    tiers.integral_vertex = nth_calls_fractional({2})  # tier 3's vertex: its certified MIP
    try:
        now = time.monotonic()
        sol = model.solve(deadline=now + 60, started=now)
    finally:
        tiers.TIER4_MIP_MAX_PAIRS, tiers.DEFER, tiers.integral_vertex = saved
    assert sol.optimal
    assert tuple(model.tier_value(t, sol.x) for t in (1, 2, 3)) == brute_force(s)
    if model.n and len(sol.tiers) == 4 and sol.tiers[2].method == "lp+mip":
        assert sol.tiers[3].method == "kept"
