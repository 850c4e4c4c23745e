"""Bilateral agreements: read by any role, written by planners."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from api.bodies import body_route, documented_as
from api.deps import ActorDep, EditIfMatchDep, IfMatchDep, PageDep, SessionDep, etag
from api.params import country_query
from api.problems import errors
from exchange.agreements import service
from exchange.agreements.schemas import (
    AgreementCreate,
    AgreementPatch,
    AgreementPublic,
    AgreementsPublic,
)

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

AgreementBody = Annotated[dict[str, Any], documented_as(AgreementCreate)]
"""A new agreement as sent (documented as ``AgreementCreate``): the service validates it once."""


def _public(agreement: object) -> AgreementPublic:
    return AgreementPublic.model_validate(agreement, from_attributes=True)


@router.get("", response_model=AgreementsPublic, responses=errors(401, 422))
def list_agreements(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    origin: Annotated[str | None, country_query("origin country")] = None,
    destination: Annotated[str | None, country_query("destination country")] = None,
    country: Annotated[str | None, country_query("either side")] = None,
) -> AgreementsPublic:
    """Agreements not deleted, by id (paginated)."""
    rows = service.list_agreements(
        session=session, origin=origin, destination=destination, country=country
    )
    page_rows = rows[page.offset : page.offset + page.limit]
    return AgreementsPublic(data=[_public(a) for a in page_rows], count=len(rows))


@router.post(
    "", status_code=201, response_model=AgreementPublic, responses=errors(401, 403, 409, 422)
)
@body_route
def post_agreement(
    data: AgreementBody, session: SessionDep, actor: ActorDep, response: Response
) -> AgreementPublic:
    """Record an agreement (planner)."""
    agreement = service.create_agreement(session=session, actor=actor, data=data)
    response.headers["ETag"] = etag(agreement.version)
    response.headers["Location"] = f"/v1/agreements/{agreement.id}"
    return _public(agreement)


@router.get("/{agreement_id}", response_model=AgreementPublic, responses=errors(401, 404))
def get_agreement(
    agreement_id: str, session: SessionDep, actor: ActorDep, response: Response
) -> AgreementPublic:
    """One agreement."""
    agreement = service.get_agreement(session=session, agreement_id=agreement_id)
    response.headers["ETag"] = etag(agreement.version)
    return _public(agreement)


@router.patch(
    "/{agreement_id}",
    response_model=AgreementPublic,
    responses=errors(401, 403, 404, 412, 422, 428),
)
@body_route
def patch_agreement(
    agreement_id: str,
    data: AgreementPatch,
    session: SessionDep,
    actor: ActorDep,
    version: EditIfMatchDep,
    response: Response,
) -> AgreementPublic:
    """Edit an agreement (planner); ``If-Match: <version>`` required."""
    agreement = service.update_agreement(
        session=session,
        actor=actor,
        agreement_id=agreement_id,
        data=data,
        expected_version=version,
    )
    response.headers["ETag"] = etag(agreement.version)
    return _public(agreement)


@router.delete(
    "/{agreement_id}", response_model=AgreementPublic, responses=errors(401, 403, 404, 412, 428)
)
def delete_agreement(
    agreement_id: str, session: SessionDep, actor: ActorDep, version: IfMatchDep, response: Response
) -> AgreementPublic:
    """Delete an agreement (planner; soft delete, kept for the audit); ``If-Match`` required."""
    agreement = service.delete_agreement(
        session=session, actor=actor, agreement_id=agreement_id, expected_version=version
    )
    response.headers["ETag"] = etag(agreement.version)
    return _public(agreement)
