"""The booking part of ``hrhx demo``: both countries accept part of a first round, it closes, and
illustrative events and payments follow its placements, so that a newcomer sees placements, the
ledger's outstanding benefit and the WHO monitoring indicators at once.

Everything recorded here is marked ``illustrative (hrhx demo)``: the demo's data are made up.
"""

from __future__ import annotations

from rich.table import Table

from api.cli.common import console
from api.cli.indicators import print_indicators
from exchange.db import session_scope
from exchange.identity.actor import SYSTEM
from exchange.indicators.service import indicators
from exchange.ledger.service import counterparts
from exchange.placements.events import record_event, record_payment
from exchange.placements.schemas import PaymentCreate, PlacementEventCreate, PlacementPublic
from exchange.placements.service import list_placements, month_after, placements_public
from exchange.proposals.service import accept_proposal, list_proposals
from exchange.rounds.closing import close_round
from exchange.timestamps import current_month

NOTE = "illustrative (hrhx demo)"


def book_part_of_round(round_id: int) -> None:
    """Both sides accept every other proposal of the round, which then closes."""
    with session_scope() as session:
        proposals, _ = list_proposals(session=session, actor=SYSTEM, round_id=round_id, limit=500)
        for proposal in proposals[::2]:
            assert proposal.id is not None
            accept_proposal(session=session, actor=SYSTEM, proposal_id=proposal.id)
        close_round(session=session, actor=SYSTEM, round_id=round_id)


def _steps(n: int, placement: PlacementPublic) -> list[tuple[str, int, str]]:
    """The illustrative events of the demo's ``n``-th placement: (kind, workers, month)."""
    start, workers = placement.start_month, placement.workers
    leaving = workers - 1 if workers > 1 and n % 3 == 0 else workers
    steps = [("contract_signed", workers, start)]
    if leaving < workers:
        steps.append(("cancelled", workers - leaving, start))
    if placement.modality == "relocation":
        steps.append(("departed", leaving, start))
    steps.append(("started", leaving, month_after(start, 1)))
    if placement.modality == "relocation" and n % 2 == 0:
        steps.append(("returned", 1, month_after(start, 7)))
    return steps


def record_illustrative_history(round_id: int) -> None:
    """Contracts, departures, starts, cancellations and returns on the round's placements, and
    payments of half of what was promised on every other one."""
    with session_scope() as session:
        placements, _ = list_placements(session=session, actor=SYSTEM, round_id=round_id)
        rows = placements_public(session=session, placements=placements)
    for n, placement in enumerate(rows):
        with session_scope() as session:
            for kind, count, month in _steps(n, placement):
                event = PlacementEventCreate.model_validate(
                    {"kind": kind, "workers": count, "month": month, "note": NOTE}
                )
                record_event(session=session, actor=SYSTEM, placement_id=placement.id, data=event)
            if placement.benefit_promised_usd and n % 2 == 0:
                payment = PaymentCreate(
                    amount_usd=placement.benefit_promised_usd // 2,
                    month=month_after(placement.start_month, 2),
                    note=NOTE,
                )
                record_payment(
                    session=session, actor=SYSTEM, placement_id=placement.id, data=payment
                )


def print_placements_and_indicators() -> None:
    """The placements, the benefit outstanding between countries, and the indicators."""
    with session_scope() as session:
        rows = placements_public(
            session=session,
            placements=list_placements(session=session, actor=SYSTEM, limit=500)[0],
        )
        origins = sorted({p.origin for p in rows})
        balances = {c: counterparts(session=session, country=c) for c in origins}
        # the demo's placements start in the coming months: read the records up to three years on
        data = indicators(session=session, actor=SYSTEM, period_to=month_after(current_month(), 36))
    table = Table(title=f"Placements booked ({len(rows)}; events and payments {NOTE})")
    for column in ("id", "route", "cadre", "workers", "start", "status", "promised", "paid"):
        table.add_column(
            column, justify="right" if column in ("workers", "promised", "paid") else "left"
        )
    for p in rows:
        table.add_row(
            str(p.id),
            f"{p.origin}->{p.destination}",
            p.cadre,
            str(p.workers),
            p.start_month,
            p.status,
            str(p.benefit_promised_usd),
            str(p.benefit_paid_usd),
        )
    console.print(table)
    ledger = Table(title="Health-system benefit owed to origins (ledger)")
    for column in ("origin", "destination", "promised", "delivered", "outstanding"):
        ledger.add_column(
            column, justify="left" if column in ("origin", "destination") else "right"
        )
    for origin, lines in balances.items():
        for line in lines:
            if line.promised > 0:
                ledger.add_row(
                    origin,
                    line.country,
                    str(line.promised),
                    str(line.delivered),
                    str(line.outstanding),
                )
    console.print(ledger)
    print_indicators(data)
