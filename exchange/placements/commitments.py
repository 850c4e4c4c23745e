"""Commitments across rounds (MATCHING.md section 7): what earlier rounds' booked placements use of
each agreement's quotas and of each country's depletion headroom, written into a snapshot.

Counted: relocation placements, net of their cancelled workers. ``quota_used`` of an agreement
and cadre counts those from the agreement's origin to its destination in that cadre booked
between its ``valid_from`` and the snapshot's ``as_of``; ``relocated_recently`` of a country and
cadre those out of the country in that cadre booked in the 12 months up to ``as_of``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from exchange.placements.tables import Placement
from solver.schema import month_index

RECENT_MONTHS = 12

Route = tuple[str, str, str]  # origin, destination, cadre


def booked_relocations(*, session: Session, as_of: str) -> dict[Route, dict[str, int]]:
    """Workers relocated (net of cancellations) per route and booked month, up to ``as_of``."""
    net = func.sum(col(Placement.workers) - col(Placement.cancelled))
    rows = session.execute(
        select(
            col(Placement.origin),
            col(Placement.destination),
            col(Placement.cadre),
            col(Placement.booked_month),
            net,
        )
        .where(col(Placement.modality) == "relocation", col(Placement.booked_month) <= as_of)
        .group_by(
            col(Placement.origin),
            col(Placement.destination),
            col(Placement.cadre),
            col(Placement.booked_month),
        )
    ).all()
    booked: dict[Route, dict[str, int]] = defaultdict(dict)
    for origin, destination, cadre, month, workers in rows:
        if workers:
            booked[(origin, destination, cadre)][month] = int(workers)
    return booked


def apply_commitments(*, session: Session, scenario: dict[str, Any]) -> None:
    """Fill the snapshot's ``quota_used`` and ``relocated_recently`` from booked placements
    (only where earlier rounds used something, so a round without history is unchanged)."""
    as_of: str = scenario["as_of"]
    booked = booked_relocations(session=session, as_of=as_of)
    if not booked:
        return
    for agreement in scenario["agreements"]:
        used: dict[str, int] = {}
        for cadre in agreement.get("quotas") or {}:
            months = booked.get((agreement["origin"], agreement["destination"], cadre), {})
            n = sum(w for m, w in months.items() if agreement["valid_from"] <= m <= as_of)
            if n:
                used[cadre] = n
        if used:
            agreement["quota_used"] = used
    since = month_index(as_of) - RECENT_MONTHS + 1
    recent: dict[tuple[str, str], int] = defaultdict(int)
    for (origin, _destination, cadre), months in booked.items():
        recent[(origin, cadre)] += sum(w for m, w in months.items() if month_index(m) >= since)
    for fact in scenario["workforce"]:
        n = recent.get((fact["country"], fact["cadre"]), 0)
        if n:
            fact["relocated_recently"] = n
