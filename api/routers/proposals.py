"""Proposals: read, accept, decline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from sqlmodel import Session

from api.deps import ActorDep, Page, PageDep, SessionDep, etag
from api.params import ProposalId, RoundFilter, country_query
from api.problems import errors
from exchange.codes import ProposalStatus
from exchange.identity.actor import Actor
from exchange.proposals import service
from exchange.proposals.schemas import ProposalAnswer, ProposalPublic, ProposalsPublic

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])


def proposals_page(
    *,
    session: Session,
    actor: Actor,
    page: Page,
    round_id: int | None,
    status: str | None,
    country: str | None,
) -> ProposalsPublic:
    """A page of the proposals the caller may see (also served under a round's path)."""
    rows, total = service.list_proposals(
        session=session,
        actor=actor,
        round_id=round_id,
        status=status,
        country=country,
        limit=page.limit,
        offset=page.offset,
    )
    return ProposalsPublic(
        data=[ProposalPublic.model_validate(p, from_attributes=True) for p in rows], count=total
    )


Answer = Annotated[ProposalAnswer | None, Body()]


@router.get("", response_model=ProposalsPublic, responses=errors(401, 404, 422))
def list_proposals(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    round: RoundFilter = None,
    status: Annotated[ProposalStatus | None, Query()] = None,
    country: Annotated[str | None, country_query("origin or destination")] = None,
) -> ProposalsPublic:
    """Proposals the caller may see (focal points: their country's), by id."""
    return proposals_page(
        session=session, actor=actor, page=page, round_id=round, status=status, country=country
    )


@router.get("/{proposal_id}", response_model=ProposalPublic, responses=errors(401, 404))
def get_proposal(
    proposal_id: ProposalId, session: SessionDep, actor: ActorDep, response: Response
) -> ProposalPublic:
    """One proposal (ETag: its version)."""
    proposal = service.get_proposal(session=session, actor=actor, proposal_id=proposal_id)
    response.headers["ETag"] = etag(proposal.version)
    return ProposalPublic.model_validate(proposal, from_attributes=True)


@router.post(
    "/{proposal_id}/accept",
    response_model=ProposalPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def accept(
    proposal_id: ProposalId,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    answer: Answer = None,
) -> ProposalPublic:
    """Accept for the caller's side (focal point of origin or destination; an admin names a
    ``side`` or accepts both). Both sides accepted: ``confirmed``. Acting twice: 409.
    """
    proposal = service.accept_proposal(
        session=session, actor=actor, proposal_id=proposal_id, side=answer.side if answer else None
    )
    response.headers["ETag"] = etag(proposal.version)
    return ProposalPublic.model_validate(proposal, from_attributes=True)


@router.post(
    "/{proposal_id}/decline",
    response_model=ProposalPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def decline(
    proposal_id: ProposalId,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    answer: Answer = None,
) -> ProposalPublic:
    """Decline for the caller's side (optionally with ``reason``: conditions, timing,
    language, benefit, capacity or other, and a ``note``): ``declined``, and the pair is not
    proposed again. A what-if round's proposals cannot be answered (409)."""
    proposal = service.decline_proposal(
        session=session,
        actor=actor,
        proposal_id=proposal_id,
        side=answer.side if answer else None,
        reason=answer.reason if answer else None,
        note=answer.note if answer else None,
    )
    response.headers["ETag"] = etag(proposal.version)
    return ProposalPublic.model_validate(proposal, from_attributes=True)
