"""Placements: created when a live round closes (one per booked proposal), then listed and read.

Events and payments on a placement are ``exchange.placements.events`` and
``exchange.placements.payments``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from exchange.errors import NotFound
from exchange.identity.actor import Actor
from exchange.paging import page_by_id
from exchange.placements.schemas import PlacementPublic, StageCounts
from exchange.placements.stages import counts_of, status_condition, status_of
from exchange.placements.tables import Payment, Placement
from exchange.proposals.tables import Proposal
from solver.schema import month_index


def month_after(month: str, months: int) -> str:
    """``month`` plus ``months`` (``"2027-11"`` + 3 = ``"2028-02"``)."""
    index = month_index(month) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def place(*, session: Session, proposal: Proposal, scenario: dict[str, Any]) -> Placement:
    """The placement of a proposal booked at close, from its round's frozen snapshot: it starts
    in the later of the deposit's ``available_from`` and the withdrawal's ``start_from``, lasts
    the withdrawal's ``duration_months``, and counts in the snapshot's ``as_of``."""
    assert proposal.id is not None
    deposit = next(d for d in scenario["deposits"] if d["id"] == proposal.deposit_id)
    withdrawal = next(w for w in scenario["withdrawals"] if w["id"] == proposal.withdrawal_id)
    start = max(deposit["available_from"], withdrawal["start_from"])
    duration = int(withdrawal.get("duration_months") or 12)
    placement = Placement(
        round_id=proposal.round_id,
        proposal_id=proposal.id,
        deposit_id=proposal.deposit_id,
        withdrawal_id=proposal.withdrawal_id,
        origin=proposal.origin,
        destination=proposal.destination,
        cadre=proposal.cadre,
        modality=withdrawal.get("modality") or "relocation",
        workers=proposal.count,
        agreement_id=proposal.agreement_id,
        basis=proposal.basis,
        benefit_usd_per_worker=proposal.benefit_usd_per_worker,
        start_month=start,
        duration_months=duration,
        expected_end_month=month_after(start, duration - 1),
        booked_month=scenario["as_of"],
    )
    session.add(placement)
    return placement


def _visible(actor: Actor, placement: Placement) -> bool:
    return not actor.is_focal_point or actor.country in (placement.origin, placement.destination)


def get_placement(*, session: Session, actor: Actor, placement_id: int) -> Placement:
    """A placement; 404 for a focal point of a country not party to it."""
    placement = session.get(Placement, placement_id)
    if placement is None or not _visible(actor, placement):
        raise NotFound(f"placement {placement_id} not found")
    return placement


def list_placements(
    *,
    session: Session,
    actor: Actor,
    country: str | None = None,
    round_id: int | None = None,
    agreement_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Placement], int]:
    """A page of placements the caller may see (focal points: their country's), and the total."""
    conditions: list[Any] = []
    for code in (country, actor.country if actor.is_focal_point else None):
        if code:
            upper = code.upper()
            conditions.append(
                (col(Placement.origin) == upper) | (col(Placement.destination) == upper)
            )
    if round_id is not None:
        conditions.append(col(Placement.round_id) == round_id)
    if agreement_id is not None:
        conditions.append(col(Placement.agreement_id) == agreement_id)
    if status is not None:
        conditions.append(status_condition(status))
    return page_by_id(session, Placement, conditions, limit=limit, offset=offset)


def paid_by_placement(*, session: Session, placement_ids: list[int]) -> dict[int, int]:
    """Benefit paid so far per placement (US dollars)."""
    if not placement_ids:
        return {}
    rows = session.exec(
        select(Payment.placement_id, func.sum(Payment.amount_usd))
        .where(col(Payment.placement_id).in_(placement_ids))
        .group_by(col(Payment.placement_id))
    ).all()
    return {placement_id: int(total or 0) for placement_id, total in rows}


def placement_public(placement: Placement, paid: int) -> PlacementPublic:
    """The public shape of a placement, with its stage counts and status."""
    counts = counts_of(placement)
    data = placement.model_dump()
    return PlacementPublic.model_validate(
        {
            **data,
            "benefit_promised_usd": placement.workers * placement.benefit_usd_per_worker,
            "benefit_paid_usd": paid,
            "status": status_of(counts),
            "stages": StageCounts.model_validate(counts),
        }
    )


def placements_public(*, session: Session, placements: list[Placement]) -> list[PlacementPublic]:
    """Public shapes of a page of placements (one query for what was paid)."""
    ids = [p.id for p in placements if p.id is not None]
    paid = paid_by_placement(session=session, placement_ids=ids)
    return [placement_public(p, paid.get(p.id or 0, 0)) for p in placements]
