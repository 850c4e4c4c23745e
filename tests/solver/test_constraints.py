"""Constraints C1-C4 and the objective tiers on tiny rounds."""

from __future__ import annotations

from typing import Any

import pytest

from solver import check_solution, solve
from solver.tier_mips import MIP_HEURISTIC_EFFORT
from tests.solver.factories import agreement, deposit, parse, scenario, withdrawal
from tests.solver.highs_spy import highs_calls, whole_mips


def run(raw: dict[str, Any]) -> Any:
    result = solve(raw)
    assert result.status == "OPTIMAL"
    assert check_solution(parse(raw), result) == []
    return result


def test_c1_capacities() -> None:
    r = run(scenario([deposit(count=7)], [withdrawal(count=5), withdrawal("w2", count=5)]))
    assert sum(m.count for m in r.matches) == 7
    assert r.unmatched.withdrawals[0].reasons[0].code == "CAPACITY_USED"


def test_c2_quota_caps_relocation_only_and_any_cadre_in_quotas() -> None:
    # the quota names cadre 2221 although A.cadres lists only 2211: it still binds
    a = agreement(cadres=["2211"], quotas={"2221": 3})
    raw = scenario(
        [deposit(count=10, modalities=["relocation", "remote"])],
        [withdrawal(count=5), withdrawal("w2", count=5, modality="remote")],
        agreements=[a],
    )
    r = run(raw)
    by_w = {m.withdrawal_id: m.count for m in r.matches}
    assert by_w == {"w1": 3, "w2": 5}
    assert r.unmatched.withdrawals[0].reasons[0].code == "AGREEMENT_QUOTA"


def test_c2_expired_agreement_quota_does_not_bind() -> None:
    a = agreement(quotas={"2221": 3}, valid_to="2026-01")
    r = run(scenario([deposit()], [withdrawal()], agreements=[a]))
    assert r.objective.priority_fill == 10


def test_c3_depletion_cap_exact_floor() -> None:
    wf = [{"country": "AAA", "cadre": "2221", "stock": 100}]
    raw = scenario(
        [deposit(count=50)],
        [withdrawal(count=20), withdrawal("w2", country="CCC", count=20)],
        workforce=wf,
        policy={"max_depletion_share": 0.29},  # floor(29.0) = 29, floats say 28.99...
    )
    r = run(raw)
    assert r.objective.priority_fill == 29
    reasons = {x.code for u in r.unmatched.withdrawals for x in u.reasons}
    assert "DEPLETION_CAP" in reasons


def test_c4_pair_minimum_benefit_counts_zero_benefit_flow() -> None:
    raw = scenario(
        [deposit(count=5), deposit("d2", country="CCC", count=5)],
        [withdrawal(count=5, benefit_usd_per_worker=0)],
        policy={"pair_minimum_benefit_usd": 1},
    )
    r = run(raw)
    assert r.matches == []
    assert r.unmatched.withdrawals[0].reasons[0].code == "PAIR_MINIMUM_BENEFIT"
    raw2 = scenario(
        [deposit(count=5)],
        [withdrawal(count=3, benefit_usd_per_worker=100)],
        policy={"pair_minimum_benefit_usd": 250},
    )
    assert run(raw2).objective.priority_fill == 3  # 300 >= 250
    raw3 = scenario(
        [deposit(count=5)],
        [withdrawal(count=2, benefit_usd_per_worker=100)],
        policy={"pair_minimum_benefit_usd": 250},
    )
    assert run(raw3).objective.priority_fill == 0  # 200 < 250


def two_routes_to_bbb_and_ccc() -> dict[str, Any]:
    """AAA and DDD send to BBB (2 positions, 100 USD a worker: a route below 250) and CCC (3)."""
    return scenario(
        [deposit(count=5), deposit("d2", country="DDD", count=4)],
        [
            withdrawal(count=2, benefit_usd_per_worker=100),
            withdrawal("w2", country="CCC", count=3, benefit_usd_per_worker=100),
        ],
        policy={"pair_minimum_benefit_usd": 250},
    )


def test_c4_rounds_give_highs_more_heuristic_effort(monkeypatch: pytest.MonkeyPatch) -> None:
    """C4's binaries send every tier to a MIP over the whole model, whose incumbent is what a
    round stopped by its limit returns: those MIPs, and only those, raise HiGHS' heuristics."""
    calls = highs_calls(monkeypatch)
    raw = scenario(
        [deposit(count=5)],
        [
            withdrawal(count=2, benefit_usd_per_worker=100),  # AAA -> BBB: 200 < 250
            withdrawal("w2", country="CCC", count=3, benefit_usd_per_worker=100),  # 300 >= 250
        ],
        policy={"pair_minimum_benefit_usd": 250},
    )
    assert run(raw).objective.priority_fill == 3
    whole = [
        params.highs.double_options.get("mip_heuristic_effort")
        for _, params, _ in whole_mips(calls)
    ]
    assert whole
    assert all(effort == MIP_HEURISTIC_EFFORT for effort in whole)
    calls.clear()
    run(scenario([deposit(count=5)], [withdrawal(count=3)]))  # no C4: no whole-model MIP
    assert all("mip_heuristic_effort" not in params.highs.double_options for _, params, _ in calls)


def test_c4_per_pair_rows_go_to_tier_1_s_mip_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """`RoundModel.mip_model`: tier 1's MIP holds a row for each pair of a C4 route (x <= ub
    y), which tightens it; the later tiers' MIPs, which they slowed down, hold the model's."""
    calls = highs_calls(monkeypatch)
    raw = two_routes_to_bbb_and_ccc()
    assert run(raw).objective.priority_fill == 3
    rows = [len(proto.linear_constraints.ids) for proto, _, _ in whole_mips(calls)]
    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.model import RoundModel

    sc = parse(raw)
    ctx = Context.of(sc)
    model = RoundModel(ctx, enumerate_pairs(ctx, sc, max_class_pairs=10**6), seed=0)
    routed = sum(g.pairs.size for g in model.c4)
    assert routed >= 3
    assert model.mip_model(1).nrows == model.lp.nrows + routed
    assert model.mip_model(2) is model.lp
    # as solved: tier 1 first, then each later tier over the model's rows and at most one
    # row for each tier proven before it (fewer than the pairs' rows)
    assert len(rows) >= 2
    assert rows[0] == model.lp.nrows + routed
    assert all(model.lp.nrows < r <= model.lp.nrows + k for k, r in enumerate(rows) if k)
    # above PERSPECTIVE_MAX_PAIRS class pairs (HiGHS without presolve) tier 1's MIP too
    monkeypatch.setattr("solver.model.PERSPECTIVE_MAX_PAIRS", model.n - 1)
    large = RoundModel(ctx, enumerate_pairs(ctx, sc, max_class_pairs=10**6), seed=0)
    assert large.mip_model(1) is large.lp


def test_c4_tier_2_s_mip_starts_from_tier_1_s_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """`solver.tier_mips.STARTED_TIERS`: HiGHS is handed tier 2's start (tier 1's optimum, every
    column of it: routes open where they carry flow, z at its least fill), tier 1 none."""
    calls = highs_calls(monkeypatch)
    assert run(two_routes_to_bbb_and_ccc()).objective.priority_fill == 3
    hints = [hint for _, _, hint in whole_mips(calls)]
    assert len(hints) >= 2
    assert hints[0] is None
    start = hints[1]
    assert start is not None
    # tier 1's optimum: the 3 workers to CCC on one open route, CCC's fill 1000 of 1000 and
    # BBB's 0, so z at 0
    assert start.sum() == 3 + 1 + 0
    assert all(h is None for h in hints[2:])


def test_tier2_min_fill_then_tier3_benefit() -> None:
    # 10 workers; BBB asks 10 (priority 1), CCC asks 10 (priority 1): tier 2 splits 5/5
    raw = scenario(
        [deposit(count=10)],
        [
            withdrawal(count=10, benefit_usd_per_worker=10),
            withdrawal("w2", country="CCC", count=10, benefit_usd_per_worker=20),
        ],
    )
    r = run(raw)
    assert r.objective.model_dump() == {
        "priority_fill": 10,
        "min_fill_permille": 500,
        "benefit_usd": 150,
    }


def test_tier1_beats_tier2() -> None:
    raw = scenario(
        [deposit(count=10)],
        [withdrawal(count=10, priority=2), withdrawal("w2", country="CCC", count=10)],
    )
    r = run(raw)
    assert r.objective.priority_fill == 20
    assert r.objective.min_fill_permille == 0


def test_unservable_destination_does_not_count_in_tier2() -> None:
    raw = scenario(
        [deposit(count=10)],
        [withdrawal(count=10), withdrawal("w2", country="CCC", cadre="2211", count=10)],
    )
    r = run(raw)
    assert r.objective.min_fill_permille == 1000
    w2 = next(u for u in r.unmatched.withdrawals if u.id == "w2")
    assert [x.code for x in w2.reasons] == ["CADRE"]


def test_empty_round() -> None:
    r = run(scenario([], []))
    assert r.objective.model_dump() == {
        "priority_fill": 0,
        "min_fill_permille": 0,
        "benefit_usd": 0,
    }


def test_tie_break_prefers_less_training_then_preferences() -> None:
    raw = scenario(
        [
            deposit(count=5, languages={"de": "A1"}),
            deposit("d2", count=5, languages={"de": "B2"}),
            deposit("d3", country="CCC", count=5, languages={"de": "B2"}),
        ],
        [
            withdrawal(
                count=5,
                required_languages={"de": "B2"},
                language_training_months=24,
                preferred_origins=["CCC"],
            )
        ],
    )
    r = run(raw)
    assert [(m.deposit_id, m.count) for m in r.matches] == [("d3", 5)]


def test_explanation_language_sentence() -> None:
    raw = scenario(
        [deposit(count=6, languages={"de": "B1"})],
        [withdrawal(count=3, required_languages={"de": "B2"})],
    )
    r = run(raw)
    reason = r.unmatched.withdrawals[0].reasons[0]
    assert reason.code == "LANGUAGE_GAP"
    assert reason.workers == 6
    assert reason.detail == (
        "de B2 required, best offer B1: 6 months of training would bridge it, 0 offered."
    )
    assert r.unmatched.deposits[0].reasons[0].workers == 3


def test_progress_events() -> None:
    events: list[Any] = []
    solve(scenario([deposit()], [withdrawal()]), on_progress=events.append)
    assert [e.tier for e in events][:2] == [1, 1]
    assert events[1].incumbent == 10
    assert events[1].bound == 10


def test_time_limit_gives_feasible_never_optimal() -> None:
    raw = scenario([deposit()], [withdrawal()])
    r = solve(raw, time_limit_s=1e-9)
    assert r.status == "FEASIBLE"
    assert r.bound is not None
    assert r.bound.priority_fill >= r.objective.priority_fill
    assert check_solution(parse(raw), r) == []


def test_the_side_groups_hold_their_members_and_nothing_else() -> None:
    """The arrays C2-C4 groups hold, views or not, are as long as their members together:
    an array of the whole round's grouping held through it would cost 4-8 bytes a class
    pair."""
    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.model import RoundModel

    wf = [{"country": "AAA", "cadre": "2221", "stock": 100}]
    raw = scenario(
        [deposit(count=50, modalities=["relocation", "remote"])],
        [withdrawal(count=20), withdrawal("w2", country="CCC", count=20)],
        agreements=[agreement(quotas={"2221": 3})],
        workforce=wf,
        policy={"max_depletion_share": 0.29, "pair_minimum_benefit_usd": 10**9},
    )
    sc = parse(raw)
    ctx = Context.of(sc)
    model = RoundModel(ctx, enumerate_pairs(ctx, sc, max_class_pairs=10**6), seed=0)
    codes = {g.code for g in model.groups}
    assert codes == {"AGREEMENT_QUOTA", "DEPLETION_CAP", "PAIR_MINIMUM_BENEFIT"}
    held = [g.pairs if g.pairs.base is None else g.pairs.base for g in model.groups]
    arrays = {id(a): a for a in held}
    assert sum(a.size for a in arrays.values()) == sum(g.pairs.size for g in model.groups)
