"""Deposits and withdrawals: the same routes for both, over exchange.postings.service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_core import to_json

from api.deps import ActorDep, IfMatchDep, PageDep, SessionDep, etag
from api.idempotency import IdempotencyDep
from api.problems import checks_body, errors
from exchange.postings import service
from exchange.postings.schemas import (
    DepositCreate,
    DepositPublic,
    DepositsPublic,
    DepositUpdate,
    WithdrawalCreate,
    WithdrawalPublic,
    WithdrawalsPublic,
    WithdrawalUpdate,
)

router = APIRouter(prefix="/v1")

Status = Literal["open", "filled", "withdrawn"]
CountryQ = Annotated[str | None, Query(description="ISO alpha-3 code")]
CadreQ = Annotated[str | None, Query(description="ISCO-08 code")]
StatusQ = Annotated[Status | None, Query(description="open, filled or withdrawn")]


def _page(rows: list[Any], total: int, model: type[BaseModel]) -> Response:
    """A ``{data, count}`` page serialised straight from the rows (fields of ``model``).

    The rows come from the database through the service, so they are not validated again: a page
    of 100 is serialised in one pass instead of being validated twice (here and by FastAPI).
    """
    fields = tuple(model.model_fields)
    if rows:  # plain rows from the service: pick the fields by position, once for the page
        positions = [rows[0]._fields.index(name) for name in fields]
        named = list(zip(fields, positions, strict=True))
        data = [{name: row[i] for name, i in named} for row in rows]
    else:
        data = []
    return Response(to_json({"data": data, "count": total}), media_type="application/json")


def _created(body: dict[str, Any], location: str, version: int) -> JSONResponse:
    return JSONResponse(
        body, status_code=201, headers={"ETag": etag(version), "Location": location}
    )


# ---------------------------------------------------------------- deposits


@router.get(
    "/deposits", response_model=DepositsPublic, responses=errors(401, 422), tags=["deposits"]
)
def list_deposits(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    country: CountryQ = None,
    cadre: CadreQ = None,
    status: StatusQ = None,
) -> Response:
    """Deposits by id, filtered and paginated; focal points see their own country's."""
    rows, total = service.list_deposits(
        session=session,
        actor=actor,
        country=country,
        cadre=cadre,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return _page(rows, total, DepositPublic)


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
    idem.complete(201, body)
    return _created(body, f"/v1/deposits/{deposit.id}", deposit.version)


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
@checks_body(service.check_deposit_fields)
def patch_deposit(
    deposit_id: str,
    data: DepositUpdate,
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
    deposit_id: str, session: SessionDep, actor: ActorDep, version: IfMatchDep
) -> DepositPublic:
    """Withdraw a deposit from the exchange (status ``withdrawn``); ``If-Match`` required."""
    deposit = service.withdraw_deposit(
        session=session, actor=actor, deposit_id=deposit_id, expected_version=version
    )
    return DepositPublic.model_validate(deposit, from_attributes=True)


# ---------------------------------------------------------------- withdrawals


@router.get(
    "/withdrawals",
    response_model=WithdrawalsPublic,
    responses=errors(401, 422),
    tags=["withdrawals"],
)
def list_withdrawals(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    country: CountryQ = None,
    cadre: CadreQ = None,
    status: StatusQ = None,
) -> Response:
    """Withdrawals by id, filtered and paginated; focal points see their own country's."""
    rows, total = service.list_withdrawals(
        session=session,
        actor=actor,
        country=country,
        cadre=cadre,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return _page(rows, total, WithdrawalPublic)


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
    idem.complete(201, body)
    return _created(body, f"/v1/withdrawals/{withdrawal.id}", withdrawal.version)


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
@checks_body(service.check_withdrawal_fields)
def patch_withdrawal(
    withdrawal_id: str,
    data: WithdrawalUpdate,
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
    withdrawal_id: str, session: SessionDep, actor: ActorDep, version: IfMatchDep
) -> WithdrawalPublic:
    """Withdraw a withdrawal from the exchange (status ``withdrawn``); ``If-Match`` required."""
    withdrawal = service.withdraw_withdrawal(
        session=session, actor=actor, withdrawal_id=withdrawal_id, expected_version=version
    )
    return WithdrawalPublic.model_validate(withdrawal, from_attributes=True)
