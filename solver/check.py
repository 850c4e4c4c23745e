"""Independent checker of a result, without the solver: what tests and auditors rely on.

Recomputes, from the scenario and the matches alone (scalar rules of `solver.eligibility`):
eligibility of every matched pair, capacities (C1), agreement quotas (C2), depletion caps (C3),
pair minimum benefit (C4), the per-match fields (the legal basis included), and the reported
tiers 1-3.  Quotas and depletion caps are checked net of ``quota_used`` and
``relocated_recently`` (MATCHING.md section 7), recomputed here rather than read from
`solver.eligibility` so that a slip there shows up.
"""

from __future__ import annotations

from collections import defaultdict

from solver.basis import legal_basis
from solver.eligibility import Context, benefit, first_failure, gap_months
from solver.schema import Match, Objective, Result, Scenario


def objective_of(scenario: Scenario, matches: list[Match]) -> Objective:
    """Tiers 1-3 of a set of matches, recomputed from the spec's definitions."""
    ctx = Context.of(scenario)
    deps = {d.id: d for d in scenario.deposits}
    wds = {w.id: w for w in scenario.withdrawals}
    fill = 0
    ben = 0
    filled: dict[str, int] = defaultdict(int)
    requested: dict[str, int] = defaultdict(int)
    for w in scenario.withdrawals:
        requested[w.country] += w.count
    for m in matches:
        d, w = deps[m.deposit_id], wds[m.withdrawal_id]
        fill += w.priority * m.count
        ben += benefit(ctx, d, w) * m.count
        filled[w.country] += m.count
    servable = {
        w.country
        for w in scenario.withdrawals
        for d in scenario.deposits
        if d.cadre == w.cadre and first_failure(ctx, d, w) is None
    }
    minfill = min((1000 * filled[t] // requested[t] for t in servable), default=0)
    return Objective(priority_fill=fill, min_fill_permille=minfill, benefit_usd=ben)


def check_matches(scenario: Scenario, matches: list[Match]) -> list[str]:
    """Every violation of sections 2-3 by ``matches`` (empty list: a feasible round)."""
    ctx = Context.of(scenario)
    policy = scenario.policy
    deps = {d.id: d for d in scenario.deposits}
    wds = {w.id: w for w in scenario.withdrawals}
    problems: list[str] = []
    placed: dict[str, int] = defaultdict(int)
    filled: dict[str, int] = defaultdict(int)
    reloc_otc: dict[tuple[str, str, str], int] = defaultdict(int)
    reloc_oc: dict[tuple[str, str], int] = defaultdict(int)
    pair_flow: dict[tuple[str, str], int] = defaultdict(int)
    pair_benefit: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[tuple[str, str]] = set()
    for m in matches:
        key = (m.deposit_id, m.withdrawal_id)
        if key in seen:
            problems.append(f"duplicate match {key}")
        seen.add(key)
        if m.deposit_id not in deps or m.withdrawal_id not in wds:
            problems.append(f"match {key} refers to an unknown posting")
            continue
        d, w = deps[m.deposit_id], wds[m.withdrawal_id]
        if m.count < 1:
            problems.append(f"match {key} has count {m.count} < 1")
        code = first_failure(ctx, d, w)
        if code is not None:
            problems.append(f"match {key} is ineligible: {code}")
        b = benefit(ctx, d, w)
        if m.benefit_usd_per_worker != b:
            problems.append(f"match {key} benefit {m.benefit_usd_per_worker} != {b}")
        months = gap_months(ctx, d, w)
        if m.language_training_months != months:
            problems.append(f"match {key} training months {m.language_training_months} != {months}")
        a = ctx.agreement_of_pair(d.country, w.country, w.cadre)
        if m.agreement_id != (a.id if a else None):
            problems.append(f"match {key} agreement {m.agreement_id} != {a.id if a else None}")
        if m.basis is not None and code is None and m.basis != legal_basis(ctx, d, w):
            problems.append(f"match {key} basis {m.basis} != {legal_basis(ctx, d, w)}")
        placed[d.id] += m.count
        filled[w.id] += m.count
        pair_flow[(d.country, w.country)] += m.count
        pair_benefit[(d.country, w.country)] += b * m.count
        if w.modality == "relocation":
            reloc_otc[(d.country, w.country, w.cadre)] += m.count
            reloc_oc[(d.country, w.cadre)] += m.count
    if [(m.deposit_id, m.withdrawal_id) for m in matches] != sorted(seen):
        problems.append("matches are not sorted by (deposit_id, withdrawal_id)")
    for d in scenario.deposits:
        if placed[d.id] > d.count:
            problems.append(f"C1: deposit {d.id} places {placed[d.id]} > {d.count}")
    for w in scenario.withdrawals:
        if filled[w.id] > w.count:
            problems.append(f"C1: withdrawal {w.id} fills {filled[w.id]} > {w.count}")
    for agreements in ctx.active.values():
        for a in agreements:
            for c, q in a.quotas.items():
                flow = reloc_otc[(a.origin, a.destination, c)]
                room = max(0, q - a.quota_used.get(c, 0))
                if flow > room:
                    problems.append(
                        f"C2: agreement {a.id} cadre {c} flow {flow} > quota {q} "
                        f"net of {a.quota_used.get(c, 0)} used = {room}"
                    )
    for (o, c), flow in reloc_oc.items():
        cap = ctx.depletion_cap(o, c)
        used = ctx.relocated_recently.get((o, c), 0)
        if cap is not None and flow > max(0, cap - used):
            problems.append(
                f"C3: {o} cadre {c} relocation flow {flow} > cap {cap} "
                f"net of {used} relocated recently = {max(0, cap - used)}"
            )
    minimum = policy.pair_minimum_benefit_usd
    if minimum > 0:
        for pair, flow in pair_flow.items():
            if flow > 0 and pair_benefit[pair] < minimum:
                problems.append(f"C4: pair {pair} benefit {pair_benefit[pair]} < {minimum}")
    return problems


def check_result(scenario: Scenario, result: Result) -> list[str]:
    """Violations of the spec by ``result``, including a mis-reported objective."""
    if result.status == "INVALID":
        return []
    matches = result.matches or []
    problems = check_matches(scenario, matches)
    if result.objective != objective_of(scenario, matches):
        problems.append(
            f"objective {result.objective} != recomputed {objective_of(scenario, matches)}"
        )
    return problems
