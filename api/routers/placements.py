"""Placements: booked workers followed over time, their events and the benefit paid."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import col, select

from api.deps import ActorDep, PageDep, SessionDep, etag
from api.idempotency import IdempotencyDep
from api.params import RoundFilter, country_query
from api.problems import errors
from exchange.bounds import ROW_MAX
from exchange.placements import events, service
from exchange.placements.schemas import (
    PaymentCreate,
    PaymentPublic,
    PlacementEventCreate,
    PlacementEventPublic,
    PlacementPublic,
    PlacementsPublic,
)
from exchange.placements.stages import PlacementStatus
from exchange.placements.tables import PlacementEvent

router = APIRouter(prefix="/v1/placements", tags=["placements"])

PlacementId = Annotated[int, Path(ge=1, le=ROW_MAX, description="placement id")]


@router.get("", response_model=PlacementsPublic, responses=errors(401, 422))
def list_placements(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    country: Annotated[str | None, country_query("origin or destination")] = None,
    round: RoundFilter = None,
    agreement: Annotated[str | None, Query(max_length=64, description="agreement id")] = None,
    status: Annotated[PlacementStatus | None, Query()] = None,
) -> PlacementsPublic:
    """Placements by id (focal points: their country's), filtered and paginated."""
    rows, total = service.list_placements(
        session=session,
        actor=actor,
        country=country,
        round_id=round,
        agreement_id=agreement,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return PlacementsPublic(
        data=service.placements_public(session=session, placements=rows), count=total
    )


@router.get("/{placement_id}", response_model=PlacementPublic, responses=errors(401, 404))
def get_placement(
    placement_id: PlacementId, session: SessionDep, actor: ActorDep, response: Response
) -> PlacementPublic:
    """A placement with its counts by stage, status and benefit paid (ETag: its version)."""
    placement = service.get_placement(session=session, actor=actor, placement_id=placement_id)
    response.headers["ETag"] = etag(placement.version)
    [public] = service.placements_public(session=session, placements=[placement])
    return public


@router.get(
    "/{placement_id}/events",
    response_model=list[PlacementEventPublic],
    responses=errors(401, 404),
)
def list_events(
    placement_id: PlacementId, session: SessionDep, actor: ActorDep
) -> list[PlacementEventPublic]:
    """A placement's events, oldest first."""
    service.get_placement(session=session, actor=actor, placement_id=placement_id)
    rows = session.exec(
        select(PlacementEvent)
        .where(PlacementEvent.placement_id == placement_id)
        .order_by(col(PlacementEvent.id))
    ).all()
    return [PlacementEventPublic.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/{placement_id}/events",
    status_code=201,
    response_model=PlacementPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def post_event(
    placement_id: PlacementId,
    data: PlacementEventCreate,
    session: SessionDep,
    actor: ActorDep,
    idem: IdempotencyDep,
) -> Any:
    """Record ``contract_signed``, ``departed``, ``started``, ``returned``, ``ended`` or
    ``cancelled`` for some workers in a month (focal point of the origin or destination,
    planner). Counts stay consistent: every violation is named (422) and nothing is written.
    Cancelled workers stop counting against quotas and depletion caps. ``Idempotency-Key``
    honoured."""
    replay = idem.replay_or_claim(data)
    if replay is not None:
        return replay
    placement = events.record_event(
        session=session, actor=actor, placement_id=placement_id, data=data
    )
    [public] = service.placements_public(session=session, placements=[placement])
    body = public.model_dump(mode="json")
    return idem.respond(201, body, {"ETag": etag(placement.version)})


@router.post(
    "/{placement_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def post_payment(
    placement_id: PlacementId,
    data: PaymentCreate,
    session: SessionDep,
    actor: ActorDep,
    idem: IdempotencyDep,
) -> Any:
    """Record benefit paid to the origin's health system (focal point of the destination,
    planner): the ledger gains ``benefit_paid`` and ``benefit_received``. ``Idempotency-Key``
    honoured."""
    replay = idem.replay_or_claim(data)
    if replay is not None:
        return replay
    payment = events.record_payment(
        session=session, actor=actor, placement_id=placement_id, data=data
    )
    body = PaymentPublic.model_validate(payment, from_attributes=True).model_dump(mode="json")
    return idem.respond(201, body, {})
