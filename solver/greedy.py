"""Greedy-by-priority baseline: a quick feasible round, the yardstick the MIP must never lose to.

Withdrawals in (priority desc, id) order take eligible deposits in id order, within capacities,
quotas (C2) and depletion caps (C3); pairs of countries below the pair minimum benefit (C4) are
then dropped, which keeps every other constraint satisfied.
"""

from __future__ import annotations

from collections import defaultdict

from solver.eligibility import Context, benefit, first_failure, gap_months
from solver.schema import Deposit, Match, Scenario


def greedy(scenario: Scenario) -> list[Match]:
    """A feasible set of matches built greedily by priority."""
    ctx = Context.of(scenario)
    left = {d.id: d.count for d in scenario.deposits}
    quotas: dict[tuple[str, str, str], int] = {}
    for agreements in ctx.active.values():
        for a in agreements:
            for c, q in a.quotas.items():
                key = (a.origin, a.destination, c)
                quotas[key] = min(q, quotas.get(key, q))
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
                cap = ctx.depletion_cap(d.country, w.cadre)
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
