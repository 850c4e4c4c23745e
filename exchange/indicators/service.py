"""Computing the monitoring indicators (``exchange.indicators.definitions``) from placements, their
events and payments: one read of the records in scope, then plain arithmetic per indicator.

The period is ``from``..``to`` (months, inclusive; ``to`` defaults to this month): placements
booked in it, events and payments recorded up to its end. Every role may read the indicators
(they are aggregates); a ``country`` filter keeps placements where it is origin or destination.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from exchange.codes import PlacementEventKind as Kind
from exchange.errors import InvalidInput, Problem
from exchange.identity.actor import Actor
from exchange.indicators import definitions as d
from exchange.indicators.schemas import Indicator, Indicators
from exchange.placements.tables import Payment, Placement, PlacementEvent
from exchange.reference.tables import WorkforceFact
from exchange.reference.validation import MONTH_RE
from exchange.timestamps import current_month
from solver.schema import month_index

RECENT_MONTHS = 12


@dataclass
class _Record:
    """A placement in scope with its events and payments up to the period's end."""

    placement: Placement
    events: list[PlacementEvent] = field(default_factory=list)
    paid: int = 0

    def total(self, kind: Kind, since: str | None = None) -> int:
        return sum(
            e.workers for e in self.events if e.kind == kind and (since is None or e.month >= since)
        )

    @property
    def net_workers(self) -> int:
        return self.placement.workers - self.total(Kind.CANCELLED)


def _share(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _check(period_from: str | None, period_to: str) -> None:
    problems = [
        Problem(("query", name), f"month must be YYYY-MM, got {value!r}")
        for name, value in (("from", period_from), ("to", period_to))
        if value is not None and not MONTH_RE.match(value)
    ]
    if not problems and period_from is not None and period_from > period_to:
        problems.append(Problem(("query", "from"), f"{period_from} is after to ({period_to})"))
    if problems:
        raise InvalidInput(problems)


def _records(
    session: Session,
    *,
    booked_from: str | None,
    period_to: str,
    country: str | None,
    agreement: str | None,
    cadre: str | None,
) -> list[_Record]:
    conditions: list[Any] = [col(Placement.booked_month) <= period_to]
    if booked_from is not None:
        conditions.append(col(Placement.booked_month) >= booked_from)
    if country:
        code = country.upper()
        conditions.append((col(Placement.origin) == code) | (col(Placement.destination) == code))
    if agreement:
        conditions.append(col(Placement.agreement_id) == agreement)
    if cadre:
        conditions.append(col(Placement.cadre) == cadre)
    placements = session.exec(
        select(Placement).where(*conditions).order_by(col(Placement.id))
    ).all()
    records = {p.id: _Record(p) for p in placements}
    if not records:
        return []
    ids = list(records)
    for event in session.exec(
        select(PlacementEvent)
        .where(col(PlacementEvent.placement_id).in_(ids), col(PlacementEvent.month) <= period_to)
        .order_by(col(PlacementEvent.month), col(PlacementEvent.id))
    ).all():
        records[event.placement_id].events.append(event)
    for payment in session.exec(
        select(Payment).where(col(Payment.placement_id).in_(ids), col(Payment.month) <= period_to)
    ).all():
        records[payment.placement_id].paid += payment.amount_usd
    return list(records.values())


def _grouped(
    records: Iterable[_Record], key: Callable[[Placement], tuple[Any, ...]]
) -> dict[tuple[Any, ...], list[_Record]]:
    groups: dict[tuple[Any, ...], list[_Record]] = defaultdict(list)
    for record in records:
        groups[key(record.placement)].append(record)
    return dict(sorted(groups.items(), key=lambda item: tuple(str(k) for k in item[0])))


def _route(p: Placement) -> tuple[str, str]:
    return (p.origin, p.destination)


def workers_by_route(records: list[_Record]) -> list[dict[str, Any]]:
    """Workers moved per origin, destination, cadre and modality, and how many under G2G."""
    rows = []
    for (origin, destination, cadre, modality), group in _grouped(
        records, lambda p: (p.origin, p.destination, p.cadre, p.modality)
    ).items():
        g2g = sum(r.net_workers for r in group if (r.placement.basis or {}).get("g2g_agreement_id"))
        rows.append(
            {
                "origin": origin,
                "destination": destination,
                "cadre": cadre,
                "modality": modality,
                "workers": sum(r.net_workers for r in group),
                "g2g": g2g,
            }
        )
    return rows


def workers_by_agreement(records: list[_Record]) -> list[dict[str, Any]]:
    """Workers per agreement whose benefit their placements count ("none": without one)."""
    return [
        {"agreement_id": agreement or "none", "workers": sum(r.net_workers for r in group)}
        for (agreement,), group in _grouped(records, lambda p: (p.agreement_id or "",)).items()
    ]


def _signed_before_departure(record: _Record, since: str | None) -> tuple[int, int]:
    """(workers departed in the period, of whom had a contract signed in or before the month)."""
    departed = covered = 0
    for event in record.events:
        if event.kind != Kind.DEPARTED or (since is not None and event.month < since):
            continue
        signed = sum(
            e.workers
            for e in record.events
            if e.kind == Kind.CONTRACT_SIGNED and e.month <= event.month
        )
        departed += event.workers
        covered += max(0, min(event.workers, signed - covered))
    return departed, covered


def contract_before_departure(records: list[_Record], since: str | None) -> list[dict[str, Any]]:
    """Per route: workers departed, those with a contract signed first, and the share."""
    rows = []
    for (origin, destination), group in _grouped(records, _route).items():
        pairs = [_signed_before_departure(r, since) for r in group]
        departed = sum(p[0] for p in pairs)
        signed = sum(p[1] for p in pairs)
        rows.append(
            {
                "origin": origin,
                "destination": destination,
                "departed": departed,
                "signed_before_departure": signed,
                "share": _share(signed, departed),
            }
        )
    return rows


def returned(records: list[_Record]) -> list[dict[str, Any]]:
    """Per route: workers started, returned, the share, and the mean months abroad of those
    returned."""
    rows = []
    for (origin, destination), group in _grouped(records, _route).items():
        started = sum(r.total(Kind.STARTED) for r in group)
        back = 0
        months = 0
        for r in group:
            start = month_index(r.placement.start_month)
            for e in r.events:
                if e.kind == Kind.RETURNED:
                    back += e.workers
                    months += e.workers * (month_index(e.month) - start + 1)
        rows.append(
            {
                "origin": origin,
                "destination": destination,
                "started": started,
                "returned": back,
                "share": _share(back, started),
                "mean_months_abroad": round(months / back, 2) if back else None,
            }
        )
    return rows


def _investment_row(group: list[_Record]) -> dict[str, Any]:
    promised = sum(r.net_workers * r.placement.benefit_usd_per_worker for r in group)
    delivered = sum(r.paid for r in group)
    return {
        "promised_usd": promised,
        "delivered_usd": delivered,
        "outstanding_usd": promised - delivered,
        "delivered_share": _share(delivered, promised),
    }


def investment(records: list[_Record]) -> list[dict[str, Any]]:
    """Benefit promised, delivered and outstanding, per origin and per agreement."""
    rows = [
        {"by": "origin", "origin": origin, "agreement_id": None, **_investment_row(group)}
        for (origin,), group in _grouped(records, lambda p: (p.origin,)).items()
    ]
    rows += [
        {
            "by": "agreement",
            "origin": None,
            "agreement_id": agreement or "none",
            **_investment_row(group),
        }
        for (agreement,), group in _grouped(records, lambda p: (p.agreement_id or "",)).items()
    ]
    return rows


def relocated_share_of_stock(
    session: Session, records: list[_Record], period_to: str
) -> list[dict[str, Any]]:
    """Per origin and cadre: relocations booked in the 12 months up to ``period_to``, and their
    share of the declared stock."""
    since = month_index(period_to) - RECENT_MONTHS + 1
    recent = [
        r
        for r in records
        if r.placement.modality == "relocation" and month_index(r.placement.booked_month) >= since
    ]
    stocks = {(f.country, f.cadre): f.stock for f in session.exec(select(WorkforceFact)).all()}
    rows = []
    for (origin, cadre), group in _grouped(recent, lambda p: (p.origin, p.cadre)).items():
        workers = sum(r.net_workers for r in group)
        stock = stocks.get((origin, cadre))
        rows.append(
            {
                "origin": origin,
                "cadre": cadre,
                "relocated_12_months": workers,
                "stock": stock,
                "share": _share(workers, stock, 6) if stock else None,
            }
        )
    return rows


def indicators(
    *,
    session: Session,
    actor: Actor,
    period_from: str | None = None,
    period_to: str | None = None,
    country: str | None = None,
    agreement: str | None = None,
    cadre: str | None = None,
) -> Indicators:
    """Every indicator for the period and filters (any role)."""
    to = period_to or current_month()
    _check(period_from, to)
    scope = {"country": country, "agreement": agreement, "cadre": cadre}
    booked = _records(session, booked_from=period_from, period_to=to, **scope)
    window = _records(session, booked_from=None, period_to=to, **scope)
    values: list[tuple[d.Definition, list[dict[str, Any]]]] = [
        (d.WORKERS_BY_ROUTE, workers_by_route(booked)),
        (d.WORKERS_BY_AGREEMENT, workers_by_agreement(booked)),
        (d.CONTRACT_BEFORE_DEPARTURE, contract_before_departure(window, period_from)),
        (d.RETURNED, returned(booked)),
        (d.INVESTMENT, investment(booked)),
        (d.RELOCATED_SHARE_OF_STOCK, relocated_share_of_stock(session, window, to)),
    ]
    return Indicators(
        period_from=period_from,
        period_to=to,
        filters=scope,
        indicators=[
            Indicator(
                id=definition.id,
                name=definition.name,
                definition=definition.definition,
                who_table1=definition.who_table1,
                unit=definition.unit,
                rows=rows,
            )
            for definition, rows in values
        ],
    )


def indicator_rows(data: Indicators) -> list[dict[str, Any]]:
    """The indicators as flat rows (CSV, XLSX): the indicator's id, then each row's fields."""
    flat: list[dict[str, Any]] = []
    for indicator in data.indicators:
        for row in indicator.rows:
            flat.append({"indicator": indicator.id, **row})
    return flat
