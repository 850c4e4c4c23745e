"""Deposits and withdrawals: the same routes for both, over exchange.postings.service."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import ActorDep, BearerTokenDep, IfMatchDep, Page, PageDep, SessionDep, etag
from api.idempotency import Idempotency, IdempotencyDep
from api.listing import Lister, PageQuery, postings_page
from api.params import CadreFilter, CountryFilter
from api.problems import checks_body, errors
from exchange.codes import PostingStatus
from exchange.postings import service
from exchange.postings.schemas import (
    DepositCreate,
    DepositPatch,
    DepositPublic,
    DepositsPublic,
    WithdrawalCreate,
    WithdrawalPatch,
    WithdrawalPublic,
    WithdrawalsPublic,
)

router = APIRouter(prefix="/v1")

StatusQ = Annotated[PostingStatus | None, Query(description="open, filled or withdrawn")]


async def _postings_page(
    request: Request,
    token: str | None,
    lister: Lister,
    model: type[BaseModel],
    country: str | None,
    cadre: str | None,
    status: str | None,
    page: Page,
) -> Response:
    """A page of postings, its database work in one worker-thread hop (see ``api.listing``)."""
    state = request.app.state
    body = await run_in_threadpool(
        partial(
            postings_page,
            engine=state.read_engine,
            cache=state.page_cache,
            token=token,
            lister=lister,
            model=model,
            query=PageQuery(country, cadre, status, page.limit, page.offset),
        )
    )
    return Response(body, media_type="application/json")


def _created(idem: Idempotency, body: dict[str, Any], location: str) -> JSONResponse:
    """The 201 of a new posting, with its ETag and Location (stored for replays too)."""
    headers = {"ETag": etag(body["version"]), "Location": location}
    return idem.respond(201, body, headers)


# ---------------------------------------------------------------- deposits


@router.get(
    "/deposits", response_model=DepositsPublic, responses=errors(401, 422), tags=["deposits"]
)
async def list_deposits(
    request: Request,
    token: BearerTokenDep,
    page: PageDep,
    country: CountryFilter = None,
    cadre: CadreFilter = None,
    status: StatusQ = None,
) -> Response:
    """Deposits by id, filtered and paginated; focal points see their own country's."""
    return await _postings_page(
        request, token, service.list_deposits, DepositPublic, country, cadre, status, page
    )


@router.post(
    "/deposits",
    status_code=201,
    response_model=DepositPublic,
    responses=errors(401, 403, 404, 409, 422),
    tags=["deposits"],
)
@checks_body(service.check_deposit_fields)
def post_deposit(
    data: DepositCreate, session: SessionDep, actor: ActorDep, idem: IdempotencyDep
) -> Any:
    """Deposit workers (the country's focal point, or an admin); ``Idempotency-Key`` honoured."""
    replay = idem.replay_or_claim(data)
    if replay is not None:
        return replay
    deposit = service.create_deposit(session=session, actor=actor, data=data)
    body = DepositPublic.model_validate(deposit, from_attributes=True).model_dump(mode="json")
    return _created(idem, body, f"/v1/deposits/{deposit.id}")


@router.get(
    "/deposits/{deposit_id}",
    response_model=DepositPublic,
    responses=errors(401, 404),
    tags=["deposits"],
)
def get_deposit(
    deposit_id: str, session: SessionDep, actor: ActorDep, response: Response
) -> DepositPublic:
    """One deposit (ETag: its version)."""
    deposit = service.get_deposit(session=session, actor=actor, deposit_id=deposit_id)
    response.headers["ETag"] = etag(deposit.version)
    return DepositPublic.model_validate(deposit, from_attributes=True)


@router.patch(
    "/deposits/{deposit_id}",
    response_model=DepositPublic,
    responses=errors(401, 403, 404, 409, 412, 422, 428),
    tags=["deposits"],
)
@checks_body(service.check_deposit_patch)
def patch_deposit(
    deposit_id: str,
    data: DepositPatch,
    session: SessionDep,
    actor: ActorDep,
    version: IfMatchDep,
    response: Response,
) -> DepositPublic:
    """Edit a deposit; ``If-Match: <version>`` required (412 when stale)."""
    deposit = service.update_deposit(
        session=session, actor=actor, deposit_id=deposit_id, data=data, expected_version=version
    )
    response.headers["ETag"] = etag(deposit.version)
    return DepositPublic.model_validate(deposit, from_attributes=True)


@router.delete(
    "/deposits/{deposit_id}",
    response_model=DepositPublic,
    responses=errors(401, 403, 404, 409, 412, 428),
    tags=["deposits"],
)
def delete_deposit(
    deposit_id: str, session: SessionDep, actor: ActorDep, version: IfMatchDep, response: Response
) -> DepositPublic:
    """Withdraw a deposit from the exchange (status ``withdrawn``); ``If-Match`` required."""
    deposit = service.withdraw_deposit(
        session=session, actor=actor, deposit_id=deposit_id, expected_version=version
    )
    response.headers["ETag"] = etag(deposit.version)
    return DepositPublic.model_validate(deposit, from_attributes=True)


# ---------------------------------------------------------------- withdrawals


@router.get(
    "/withdrawals",
    response_model=WithdrawalsPublic,
    responses=errors(401, 422),
    tags=["withdrawals"],
)
async def list_withdrawals(
    request: Request,
    token: BearerTokenDep,
    page: PageDep,
    country: CountryFilter = None,
    cadre: CadreFilter = None,
    status: StatusQ = None,
) -> Response:
    """Withdrawals by id, filtered and paginated; focal points see their own country's."""
    return await _postings_page(
        request, token, service.list_withdrawals, WithdrawalPublic, country, cadre, status, page
    )


@router.post(
    "/withdrawals",
    status_code=201,
    response_model=WithdrawalPublic,
    responses=errors(401, 403, 404, 409, 422),
    tags=["withdrawals"],
)
@checks_body(service.check_withdrawal_fields)
def post_withdrawal(
    data: WithdrawalCreate, session: SessionDep, actor: ActorDep, idem: IdempotencyDep
) -> Any:
    """Ask for positions to be filled (focal point or admin); ``Idempotency-Key`` honoured."""
    replay = idem.replay_or_claim(data)
    if replay is not None:
        return replay
    withdrawal = service.create_withdrawal(session=session, actor=actor, data=data)
    body = WithdrawalPublic.model_validate(withdrawal, from_attributes=True).model_dump(mode="json")
    return _created(idem, body, f"/v1/withdrawals/{withdrawal.id}")


@router.get(
    "/withdrawals/{withdrawal_id}",
    response_model=WithdrawalPublic,
    responses=errors(401, 404),
    tags=["withdrawals"],
)
def get_withdrawal(
    withdrawal_id: str, session: SessionDep, actor: ActorDep, response: Response
) -> WithdrawalPublic:
    """One withdrawal (ETag: its version)."""
    withdrawal = service.get_withdrawal(session=session, actor=actor, withdrawal_id=withdrawal_id)
    response.headers["ETag"] = etag(withdrawal.version)
    return WithdrawalPublic.model_validate(withdrawal, from_attributes=True)


@router.patch(
    "/withdrawals/{withdrawal_id}",
    response_model=WithdrawalPublic,
    responses=errors(401, 403, 404, 409, 412, 422, 428),
    tags=["withdrawals"],
)
@checks_body(service.check_withdrawal_patch)
def patch_withdrawal(
    withdrawal_id: str,
    data: WithdrawalPatch,
    session: SessionDep,
    actor: ActorDep,
    version: IfMatchDep,
    response: Response,
) -> WithdrawalPublic:
    """Edit a withdrawal; ``If-Match: <version>`` required (412 when stale)."""
    withdrawal = service.update_withdrawal(
        session=session,
        actor=actor,
        withdrawal_id=withdrawal_id,
        data=data,
        expected_version=version,
    )
    response.headers["ETag"] = etag(withdrawal.version)
    return WithdrawalPublic.model_validate(withdrawal, from_attributes=True)


@router.delete(
    "/withdrawals/{withdrawal_id}",
    response_model=WithdrawalPublic,
    responses=errors(401, 403, 404, 409, 412, 428),
    tags=["withdrawals"],
)
def delete_withdrawal(
    withdrawal_id: str,
    session: SessionDep,
    actor: ActorDep,
    version: IfMatchDep,
    response: Response,
) -> WithdrawalPublic:
    """Withdraw a withdrawal from the exchange (status ``withdrawn``); ``If-Match`` required."""
    withdrawal = service.withdraw_withdrawal(
        session=session, actor=actor, withdrawal_id=withdrawal_id, expected_version=version
    )
    response.headers["ETag"] = etag(withdrawal.version)
    return WithdrawalPublic.model_validate(withdrawal, from_attributes=True)
