"""Countries' accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorDep, PageDep, SessionDep
from api.params import RoundFilter
from api.problems import errors
from exchange.codes import LedgerKind
from exchange.ledger import service
from exchange.ledger.schemas import LedgerEntryPublic, LedgerPublic

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


@router.get("/{country}", response_model=LedgerPublic, responses=errors(401, 404, 422))
def get_ledger(
    country: str,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    round: RoundFilter = None,
    kind: Annotated[LedgerKind | None, Query()] = None,
) -> LedgerPublic:
    """A country's entries (each with round and proposal) and balances (sums of all entries),
    and per counterpart country the health-system benefit promised, delivered and outstanding.

    Its focal point, planners, viewers and admins; another country's focal point gets 404.
    """
    rows, total, balances = service.get_ledger(
        session=session,
        actor=actor,
        country=country,
        round_id=round,
        kind=kind,
        limit=page.limit,
        offset=page.offset,
    )
    return LedgerPublic(
        country=country.upper(),
        balances=balances,
        counterparts=service.counterparts(session=session, country=country.upper()),
        data=[LedgerEntryPublic.model_validate(e, from_attributes=True) for e in rows],
        count=total,
    )
