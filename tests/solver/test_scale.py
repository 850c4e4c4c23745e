"""The solver at scale: LP-first path equals the plain MIP; a time limit never empties a round."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings

from solver import check_solution, solve
from solver.classes import enumerate_pairs
from solver.eligibility import Context
from solver.greedy import greedy_flows
from solver.model import RoundModel
from solver.schema import Scenario
from tests.solver.strategies import scenarios

SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


def tiers(s: Scenario, *, lp_first: bool) -> tuple[list[int], list[str]]:
    ctx = Context.of(s)
    model = RoundModel(ctx, enumerate_pairs(ctx, s), lp_first=lp_first)
    now = time.monotonic()
    sol = model.solve(deadline=now + 60, started=now)
    assert sol.optimal
    return [model.tier_value(t, sol.x) for t in (1, 2, 3)], [t.method for t in sol.tiers]


@SETTINGS
@given(scenarios(max_postings=6, max_count=6))
def test_lp_first_path_equals_plain_mip(raw: dict[str, Any]) -> None:
    s = Scenario.model_validate(raw)
    lp_values, _ = tiers(s, lp_first=True)
    mip_values, methods = tiers(s, lp_first=False)
    assert set(methods) <= {"mip"}
    assert lp_values == mip_values


@SETTINGS
@given(scenarios(max_postings=6, max_count=6))
def test_tiny_time_limit_returns_a_checked_greedy_round(raw: dict[str, Any]) -> None:
    s = Scenario.model_validate(raw)
    result = solve(s, time_limit_s=0.0)
    assert result.status in ("FEASIBLE", "OPTIMAL")
    assert check_solution(s, result) == []
    assert result.objective is not None
    assert result.bound is not None
    assert result.bound.priority_fill >= result.objective.priority_fill
    # the greedy incumbent places someone whenever a first pair can take a worker
    ctx = Context.of(s)
    pairs = enumerate_pairs(ctx, s)
    model = RoundModel(ctx, pairs)
    start = greedy_flows(
        pairs.dep,
        pairs.wd,
        model.attrs.priority,
        model.dcap,
        model.wcap,
        [(g.pairs, g.cap) for g in model.groups if g.code != "PAIR_MINIMUM_BENEFIT"],
        [g.pairs for g in model.c4],
        pairs.benefit,
        s.policy.pair_minimum_benefit_usd,
    )
    assert result.objective.priority_fill == model.tier_value(1, start)
    if start.any():
        assert result.matches


def test_tiny_time_limit_on_a_large_all_distinct_round() -> None:
    from bench.solver_ladder import local_generator

    raw = local_generator(600, seed=1)
    result = solve(raw, time_limit_s=0.001)
    assert result.status == "FEASIBLE"
    assert result.matches
    s = Scenario.model_validate(raw)
    assert check_solution(s, result) == []
    assert result.objective is not None
    assert result.bound is not None
    assert result.bound.priority_fill >= result.objective.priority_fill > 0
    full = solve(raw)
    assert full.status == "OPTIMAL"
    assert full.objective is not None
    assert full.objective.priority_fill >= result.objective.priority_fill
    assert np.isfinite(full.stats.solve_seconds if full.stats else 0.0)


def test_a_hard_round_by_column_generation_blocks_and_threads_equals_whole_lps(
    monkeypatch: Any,
) -> None:
    """Hard M (2,000 postings, 8,600 class pairs) is below the column-generation threshold;
    forced through it (persistent masters, HiGHS' basis, tier 1 by blocks in two threads) it
    must reach the same proven tiers, and twice the same matches."""
    import solver.columns as columns
    from fixtures.hard import generate_hard_scenario

    raw = generate_hard_scenario(2000, seed=1)
    whole = solve(raw)
    monkeypatch.setattr(columns, "FULL_BELOW", 0)
    first, again = solve(raw), solve(raw)
    assert whole.status == first.status == "OPTIMAL"
    assert first.objective == whole.objective
    assert first.matches == again.matches
    s = Scenario.model_validate(raw)
    assert check_solution(s, first) == []


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_postings=6, max_count=6))
def test_the_start_is_the_incumbent_written_over_in_place(raw: dict[str, Any]) -> None:
    """A round holds one full-length incumbent: the tiers write each better solution over
    the start they were given, and end at the same optimum as without one."""
    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    pairs = enumerate_pairs(ctx, s)
    model = RoundModel(ctx, pairs)
    start = model.greedy_start()
    now = time.monotonic()
    sol = model.solve(deadline=now + 60, started=now, start=start)
    assert sol.optimal
    assert sol.x is start
    assert [model.tier_value(t, start) for t in (1, 2, 3)] == tiers(s, lp_first=True)[0]


def test_the_model_is_let_go_before_the_explanations(monkeypatch: Any) -> None:
    """The explanations read the pairs and the side groups alone: the model (its LP, the
    largest thing a round holds) is freed before them, even with the cyclic collector paused,
    as the exchange's solver child runs a round."""
    import gc
    import weakref

    from fixtures.hard import generate_hard_scenario
    from solver import round as round_module

    built: list[weakref.ref[RoundModel]] = []
    alive_then: list[bool] = []
    build, explain = round_module.RoundModel, round_module.explain

    def tracked(*args: Any, **kwargs: Any) -> RoundModel:
        model = build(*args, **kwargs)
        built.append(weakref.ref(model))
        return model

    def watched(*args: Any, **kwargs: Any) -> Any:
        alive_then.append(built[0]() is not None)
        return explain(*args, **kwargs)

    monkeypatch.setattr(round_module, "RoundModel", tracked)
    monkeypatch.setattr(round_module, "explain", watched)
    gc.collect()
    gc.disable()
    try:
        result = round_module.run_round(generate_hard_scenario(300, seed=1))
    finally:
        gc.enable()
    assert result.status == "OPTIMAL"
    assert alive_then == [False]


def test_the_model_keeps_only_the_pair_facts_its_tiers_read() -> None:
    """Origins, cadres and modalities only group the side rows: once built, the model keeps
    each pair's destination and priority alone (5 bytes a class pair less on hard XL)."""
    from fixtures.hard import generate_hard_scenario
    from solver.constraints import pair_attributes

    s = Scenario.model_validate(generate_hard_scenario(300, seed=2))
    ctx = Context.of(s)
    pairs = enumerate_pairs(ctx, s)
    model = RoundModel(ctx, pairs)
    assert set(vars(model.attrs)) == {"dest", "priority", "countries"}
    assert model.groups
    assert all(g.pairs.dtype == np.int32 for g in model.groups)  # about one entry a pair
    every = pair_attributes(ctx, pairs)
    assert np.array_equal(model.attrs.dest, every.dest)
    assert np.array_equal(model.attrs.priority, every.priority)
