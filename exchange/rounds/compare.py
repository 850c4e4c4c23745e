"""Comparing two solved rounds (API.md, "Live and what-if rounds"): each tier's value and delta;
per destination, positions filled in each; per route, workers in each; and the postings placed
differently, with the reasons that held them back in the round where they got less.

Typically a live round and a what-if of it, but any two solved rounds compare.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any, NamedTuple

from sqlmodel import Session

from exchange.errors import Conflict
from exchange.identity.actor import Actor, require_role
from exchange.rounds import documents
from exchange.rounds.schemas import (
    CompareDestination,
    ComparePosting,
    CompareRoute,
    CompareTier,
    RoundComparison,
)
from exchange.rounds.service import get_round

TIERS = ("priority_fill", "min_fill_permille", "benefit_usd")


class Solved(NamedTuple):
    """A solved round's documents."""

    scenario: dict[str, Any]
    result: dict[str, Any]


def _solved(session: Session, round_id: int) -> Solved:
    scenario = documents.get(session, round_id, "scenario")
    result = documents.get(session, round_id, "result")
    if scenario is None or result is None:
        raise Conflict(f"round {round_id} has no result to compare: run it first")
    return Solved(scenario, result)


Route = tuple[str, str, str]
"""(origin, destination, cadre)."""


class Tally(NamedTuple):
    """A solved round's workers placed, per posting of each side and per route."""

    deposit: dict[str, int]
    withdrawal: dict[str, int]
    routes: dict[Route, int]


def _tally(solved: Solved) -> Tally:
    """One pass over ``solved``'s matches."""
    deposits = {d["id"]: d for d in solved.scenario["deposits"]}
    destination = {w["id"]: w["country"] for w in solved.scenario["withdrawals"]}
    tally = Tally(defaultdict(int), defaultdict(int), defaultdict(int))
    for m in solved.result.get("matches") or []:
        count, d = int(m["count"]), deposits[m["deposit_id"]]
        tally.deposit[m["deposit_id"]] += count
        tally.withdrawal[m["withdrawal_id"]] += count
        tally.routes[(d["country"], destination[m["withdrawal_id"]], d["cadre"])] += count
    return tally


def _reasons(result: dict[str, Any], side: str, posting_id: str) -> list[dict[str, Any]]:
    unmatched = (result.get("unmatched") or {}).get(f"{side}s") or []
    for entry in unmatched:
        if entry["id"] == posting_id:
            reasons: list[dict[str, Any]] = entry.get("reasons") or []
            return reasons
    return []


def compare_rounds(
    *, session: Session, actor: Actor, round_id: int, other_id: int
) -> RoundComparison:
    """Round ``round_id`` (a) against round ``other_id`` (b); planners and viewers."""
    require_role(actor, "planner", "viewer")
    get_round(session=session, actor=actor, round_id=round_id)
    get_round(session=session, actor=actor, round_id=other_id)
    a = _solved(session, round_id)
    b = _solved(session, other_id)
    tally_a, tally_b = _tally(a), _tally(b)
    return RoundComparison(
        a=round_id,
        b=other_id,
        tiers=_tiers(a.result, b.result),
        destinations=_destinations(a, b, tally_a, tally_b),
        routes=_route_changes(tally_a, tally_b),
        postings=_posting_changes(a, b, tally_a, tally_b),
    )


def _tiers(result_a: dict[str, Any], result_b: dict[str, Any]) -> list[CompareTier]:
    """Each tier's value in a and b, and b's gain over a."""
    objective_a = result_a.get("objective") or {}
    objective_b = result_b.get("objective") or {}
    return [
        CompareTier(
            tier=tier,
            a=objective_a.get(tier),
            b=objective_b.get(tier),
            delta=(objective_b.get(tier) or 0) - (objective_a.get(tier) or 0),
        )
        for tier in TIERS
    ]


def _destinations(a: Solved, b: Solved, tally_a: Tally, tally_b: Tally) -> list[CompareDestination]:
    """Per destination country: positions requested (in a) and filled in each round."""
    requested: dict[str, int] = defaultdict(int)
    for w in a.scenario["withdrawals"]:
        requested[w["country"]] += int(w["count"])
    filled_a = _filled_by_destination(a.scenario, tally_a)
    filled_b = _filled_by_destination(b.scenario, tally_b)
    return [
        CompareDestination(
            destination=country,
            requested=requested.get(country, 0),
            filled_a=filled_a.get(country, 0),
            filled_b=filled_b.get(country, 0),
            delta=filled_b.get(country, 0) - filled_a.get(country, 0),
        )
        for country in sorted(set(filled_a) | set(filled_b))
    ]


def _filled_by_destination(scenario: dict[str, Any], tally: Tally) -> dict[str, int]:
    by_destination: dict[str, int] = defaultdict(int)
    for w in scenario["withdrawals"]:
        by_destination[w["country"]] += tally.withdrawal.get(w["id"], 0)
    return by_destination


def _route_changes(tally_a: Tally, tally_b: Tally) -> list[CompareRoute]:
    """Per (origin, destination, cadre): workers in each round."""
    routes_a, routes_b = tally_a.routes, tally_b.routes
    changes: list[CompareRoute] = []
    for route in sorted(set(routes_a) | set(routes_b)):
        origin, destination, cadre = route
        workers_a, workers_b = routes_a.get(route, 0), routes_b.get(route, 0)
        changes.append(
            CompareRoute(
                origin=origin,
                destination=destination,
                cadre=cadre,
                workers_a=workers_a,
                workers_b=workers_b,
                delta=workers_b - workers_a,
            )
        )
    return changes


def _posting_changes(a: Solved, b: Solved, tally_a: Tally, tally_b: Tally) -> list[ComparePosting]:
    """The postings placed differently, with the reasons of the round that placed fewer."""
    country_of: dict[tuple[str, str], str] = {}
    for scenario in (a.scenario, b.scenario):
        for side in ("deposit", "withdrawal"):
            for posting in scenario[f"{side}s"]:
                country_of[(side, posting["id"])] = posting["country"]
    result_a, result_b = a.result, b.result
    postings: list[ComparePosting] = []
    for side, placed_a, placed_b in (
        ("deposit", tally_a.deposit, tally_b.deposit),
        ("withdrawal", tally_a.withdrawal, tally_b.withdrawal),
    ):
        for posting_id in sorted(set(placed_a) | set(placed_b)):
            in_a, in_b = placed_a.get(posting_id, 0), placed_b.get(posting_id, 0)
            if in_a == in_b:
                continue
            less, result = ("a", result_a) if in_a < in_b else ("b", result_b)
            postings.append(
                ComparePosting(
                    side=side,
                    id=posting_id,
                    country=country_of.get((side, posting_id), ""),
                    placed_a=in_a,
                    placed_b=in_b,
                    delta=in_b - in_a,
                    less_in=less,
                    reasons=_reasons(result, side, posting_id),
                )
            )
    return postings


def comparison_rows(comparison: RoundComparison) -> list[dict[str, Any]]:
    """The comparison as flat rows (CSV): one per tier, destination, route and posting."""
    rows: list[dict[str, Any]] = []
    for t in comparison.tiers:
        rows.append({"section": "tier", "key": t.tier, "a": t.a, "b": t.b, "delta": t.delta})
    for d in comparison.destinations:
        rows.append(
            {
                "section": "destination",
                "key": d.destination,
                "a": d.filled_a,
                "b": d.filled_b,
                "delta": d.delta,
                "detail": f"{d.requested} requested",
            }
        )
    for r in comparison.routes:
        rows.append(
            {
                "section": "route",
                "key": f"{r.origin}->{r.destination} {r.cadre}",
                "a": r.workers_a,
                "b": r.workers_b,
                "delta": r.delta,
            }
        )
    for p in comparison.postings:
        reasons = "; ".join(f"{x.get('code')}: {x.get('detail', '')}" for x in p.reasons)
        rows.append(
            {
                "section": p.side,
                "key": p.id,
                "a": p.placed_a,
                "b": p.placed_b,
                "delta": p.delta,
                "detail": f"{p.country}; less in {p.less_in}: {reasons}",
            }
        )
    return rows


CSV_COLUMNS = ("section", "key", "a", "b", "delta", "detail")


def comparison_csv(comparison: RoundComparison) -> str:
    """The comparison as CSV with a header line (``comparison_rows``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(comparison_rows(comparison))
    return out.getvalue()
