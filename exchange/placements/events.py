"""Recording what happens to a placement's workers (events) and the benefit paid for it
(payments), by the focal points concerned or a planner: validated against the placement's
stages (``exchange.placements.stages``), every problem named, nothing written on error, audited.

Events on one placement take turns: the placement's row is read with an update lock
(PostgreSQL; SQLite serialises writers), so two concurrent events are judged one after the other.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from exchange.audit.service import record, snapshot
from exchange.errors import Forbidden, InvalidInput, Problem
from exchange.identity.actor import Actor
from exchange.ledger.service import book_payment
from exchange.placements import stages
from exchange.placements.schemas import PaymentCreate, PlacementEventCreate
from exchange.placements.service import get_placement
from exchange.placements.tables import Payment, Placement, PlacementEvent
from exchange.reference.validation import MONTH_RE
from exchange.versions import next_version


def may_record(actor: Actor, placement: Placement, *, destination_only: bool) -> None:
    """``Forbidden`` unless the actor may record events (payments: ``destination_only``)."""
    if actor.is_admin or actor.role == "planner":
        return
    sides = (
        [placement.destination] if destination_only else [placement.origin, placement.destination]
    )
    if actor.is_focal_point and actor.country in sides:
        return
    who = "the destination's focal point" if destination_only else "the focal points concerned"
    raise Forbidden(f"only {who} or a planner may record this on a placement")


def _locked(session: Session, placement_id: int) -> Placement:
    statement = (
        select(Placement)
        .where(col(Placement.id) == placement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).one()


def check_events(
    placement: Placement, events: list[PlacementEventCreate], loc: tuple[str | int, ...] = ()
) -> tuple[dict[str, int], list[Problem]]:
    """The placement's counts after ``events`` in order, and every problem (each located at
    ``loc`` + its index when several, + its field)."""
    counts = stages.counts_of(placement)
    problems: list[Problem] = []
    for i, event in enumerate(events):
        where = (*loc, i) if len(events) > 1 else loc
        if not MONTH_RE.match(event.month):
            problems.append(
                Problem((*where, "month"), f"month must be YYYY-MM, got {event.month!r}")
            )
            continue
        for field, msg in stages.apply(placement, counts, event.kind, event.workers, event.month):
            problems.append(Problem((*where, field), msg))
    return counts, problems


def write_events(
    *,
    session: Session,
    actor: Actor,
    placement: Placement,
    events: list[PlacementEventCreate],
    counts: dict[str, int],
) -> None:
    """Store checked events and the placement's new counts, audited."""
    before = snapshot(placement)
    assert placement.id is not None
    for event in events:
        session.add(
            PlacementEvent(
                placement_id=placement.id,
                kind=event.kind,
                workers=event.workers,
                month=event.month,
                note=event.note,
                created_by=actor.name,
            )
        )
    for stage in stages.STAGES.values():
        setattr(placement, stage, counts[stage])
    next_version(placement)
    session.add(placement)
    session.flush()
    assert placement.id is not None
    record(
        session=session,
        actor=actor,
        action="placement.event",
        entity="placement",
        entity_id=placement.id,
        before=before,
        after={**(snapshot(placement) or {}), "events": [e.model_dump() for e in events]},
    )


def record_event(
    *, session: Session, actor: Actor, placement_id: int, data: PlacementEventCreate
) -> Placement:
    """Record one event (focal point of the origin or destination, planner, admin)."""
    placement = get_placement(session=session, actor=actor, placement_id=placement_id)
    may_record(actor, placement, destination_only=False)
    placement = _locked(session, placement_id)
    counts, problems = check_events(placement, [data])
    if problems:
        raise InvalidInput(problems)
    write_events(session=session, actor=actor, placement=placement, events=[data], counts=counts)
    return placement


def record_payment(
    *, session: Session, actor: Actor, placement_id: int, data: PaymentCreate
) -> Payment:
    """Record a payment (focal point of the destination, planner, admin): the ledger gains
    ``benefit_paid`` for the destination and ``benefit_received`` for the origin."""
    placement = get_placement(session=session, actor=actor, placement_id=placement_id)
    may_record(actor, placement, destination_only=True)
    if not MONTH_RE.match(data.month):
        raise InvalidInput([Problem(("month",), f"month must be YYYY-MM, got {data.month!r}")])
    placement = _locked(session, placement_id)
    payment = Payment(
        placement_id=placement_id,
        amount_usd=data.amount_usd,
        month=data.month,
        note=data.note,
        created_by=actor.name,
    )
    session.add(payment)
    session.flush()
    book_payment(
        session=session,
        placement_round=placement.round_id,
        proposal_id=placement.proposal_id,
        payment=payment,
        origin=placement.origin,
        destination=placement.destination,
        cadre=placement.cadre,
    )
    assert payment.id is not None
    record(
        session=session,
        actor=actor,
        action="placement.payment",
        entity="placement",
        entity_id=placement_id,
        after=snapshot(payment),
    )
    return payment
