"""A matching round end to end: validate, aggregate, solve the tiers, disaggregate, explain."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from solver import (
    compiled_face,
    compiled_farkas,
    compiled_groups,
    compiled_near_face,
    compiled_rows,
    compiled_values,
)
from solver.basis import legal_basis
from solver.classes import Pairs, disaggregate, enumerate_pairs
from solver.eligibility import Context
from solver.explain import explain
from solver.limits import MAX_CLASS_PAIRS
from solver.model import RoundModel
from solver.schema import Basis, Bound, Match, Objective, ProgressEvent, Result, Scenario, Stats
from solver.tiers import TIER_NAMES, TierOutcome
from solver.validation import validate_scenario


def run_round(
    scenario: Scenario | dict[str, Any],
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    num_workers: int | None = None,
    lp_bound: bool = False,
    max_class_pairs: int | None = None,
    on_matched: Callable[[Result], None] | None = None,
) -> Result:
    """Solve one round; see `solver.solve`."""
    started = time.monotonic()
    if not isinstance(scenario, Scenario):
        parsed = validate_scenario(scenario)
        if isinstance(parsed, list):
            return Result(status="INVALID", errors=parsed)
        scenario = parsed
    policy = scenario.policy
    limit = policy.time_limit_s if time_limit_s is None else time_limit_s
    rng_seed = policy.seed if seed is None else seed
    deadline = started + limit
    ctx = Context.of(scenario)
    pairs = enumerate_pairs(
        ctx,
        scenario,
        max_class_pairs=MAX_CLASS_PAIRS if max_class_pairs is None else max_class_pairs,
    )
    t_pairs = time.monotonic() - started
    model = RoundModel(ctx, pairs, seed=rng_seed)
    t_model = time.monotonic() - started - t_pairs
    t0 = time.monotonic()
    start = model.greedy_start()
    t_greedy = time.monotonic() - t0
    sol = model.solve(deadline=deadline, started=started, on_progress=on_progress, start=start)
    x = sol.x
    lp = sol.lp_bound if sol.lp_bound is not None else None
    if lp is None and lp_bound:
        lp = model.lp_relaxation_bound()
    values = [model.tier_value(t, x) for t in (1, 2, 3)]
    trivial_bound1, groups = model.trivial_bound1, model.groups
    # the model's LP (its matrix, bounds and pair attributes) let go before the matches and
    # the explanations, which read the pairs and the side groups alone
    del model
    matches, placed, filled = matches_of(ctx, pairs, disaggregate(pairs, x))
    bounds: list[int | None] = [None, None, None]
    for k, outcome in enumerate(sol.tiers[:3]):
        bounds[k] = outcome.bound
    if bounds[0] is None:
        bounds[0] = max(trivial_bound1, values[0])
    matched = Result(
        status="OPTIMAL" if sol.optimal else "FEASIBLE",
        objective=Objective(
            priority_fill=values[0], min_fill_permille=values[1], benefit_usd=values[2]
        ),
        bound=Bound(priority_fill=bounds[0], min_fill_permille=bounds[1], benefit_usd=bounds[2]),
        matches=matches,
    )
    if on_matched is not None:
        on_matched(matched)
    unmatched = explain(ctx, pairs, groups, x, placed, filled)
    elapsed = time.monotonic() - started
    return Result(
        status=matched.status,
        objective=matched.objective,
        bound=matched.bound,
        matches=matches,
        unmatched=unmatched,
        stats=Stats(
            pairs_considered=pairs.pairs_considered,
            pairs_eligible=pairs.pairs_eligible,
            solve_seconds=round(elapsed, 3),
            deposit_classes=len(pairs.deposits),
            withdrawal_classes=len(pairs.withdrawals),
            class_pairs=len(pairs),
            tier_seconds=stage_seconds(t_pairs, t_model, t_greedy, sol.tiers),
            lp_bound_priority_fill=lp,
        ),
    )


def matches_of(
    ctx: Context, pairs: Pairs, flows: list[tuple[str, str, int, int]]
) -> tuple[list[Match], dict[str, int], dict[str, int]]:
    """The round's matches from its posting flows (`solver.classes.disaggregate`): one per
    (deposit, withdrawal), ordered so, each with its class pair's benefit, training months,
    agreement and legal basis (`solver.basis`); and the workers placed from each deposit and
    filled into each withdrawal, for the explanations."""
    placed: dict[str, int] = {}
    filled: dict[str, int] = {}
    merged: dict[tuple[str, str], list[int]] = {}
    for did, wid, p, count in flows:
        key = (did, wid)
        if key in merged:
            merged[key][1] += count
        else:
            merged[key] = [p, count]
        placed[did] = placed.get(did, 0) + count
        filled[wid] = filled.get(wid, 0) + count
    basis: dict[int, Basis] = {}
    for p, _ in merged.values():
        if p not in basis:
            rep_d = pairs.deposits[int(pairs.dep[p])].rep
            rep_w = pairs.withdrawals[int(pairs.wd[p])].rep
            basis[p] = legal_basis(ctx, rep_d, rep_w)
    matches: list[Match] = []
    for (did, wid), (p, count) in sorted(merged.items()):
        d = pairs.deposits[int(pairs.dep[p])].rep
        w = pairs.withdrawals[int(pairs.wd[p])].rep
        agreement = ctx.agreement_of_pair(d.country, w.country, w.cadre)
        matches.append(
            Match(
                deposit_id=did,
                withdrawal_id=wid,
                count=count,
                benefit_usd_per_worker=int(pairs.benefit[p]),
                language_training_months=int(pairs.months[p]),
                agreement_id=agreement.id if agreement else None,
                basis=basis[p],
            )
        )
    return matches, placed, filled


def stage_seconds(
    t_pairs: float, t_model: float, t_greedy: float, tiers: list[TierOutcome]
) -> dict[str, float]:
    """The round's seconds by stage, as `Stats.tier_seconds` reports them: eligibility (the
    class pairs), the model's build, the greedy start, then each tier solved, by its name."""
    return {
        "eligibility": round(t_pairs, 3),
        "build": round(t_model, 3),
        "greedy": round(t_greedy, 3),
        **{name: round(o.seconds, 3) for name, o in zip(TIER_NAMES, tiers, strict=False)},
    }


WARM_UP_ROUND: dict[str, Any] = {
    "as_of": "2026-01",
    "countries": [
        {"code": "IDN", "name": "Indonesia", "safeguard_listed": False},
        {"code": "JPN", "name": "Japan", "safeguard_listed": False},
    ],
    "deposits": [
        {
            "id": "d",
            "country": "IDN",
            "cadre": "2221",
            "count": 1,
            "available_from": "2026-01",
            "available_to": "2026-12",
            "modalities": ["relocation"],
        }
    ],
    "withdrawals": [
        {
            "id": "w",
            "country": "JPN",
            "cadre": "2221",
            "count": 1,
            "start_from": "2026-01",
            "start_to": "2026-12",
            "modality": "relocation",
            "duration_months": 12,
        }
    ],
}
"""One nurse, one position: a round that goes through every step, eligible pair included."""


def warm_up() -> None:
    """Solve `WARM_UP_ROUND`, so that a long-lived process loads every compiled loop (numba's
    disk cache, or compiles it in a new checkout: about 5 s) and the backends before its first
    real round, which would otherwise pay for it (0.3 s cached); the loops of column
    generation, of a Farkas bound, of rounding a fractional vertex and of keeping a tier near
    its face, which so small a round never reaches, are run on their own, and the side rows'
    grouping for every tuple of attributes a round groups by, and the tier values for int32
    and int64 flows."""
    run_round(WARM_UP_ROUND)
    compiled_rows.warm_up()
    compiled_farkas.warm_up()
    compiled_face.warm_up()
    compiled_near_face.warm_up()
    compiled_groups.warm_up()
    compiled_values.warm_up()
