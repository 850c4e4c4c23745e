"""Deposits and withdrawals: create, read, list, edit and withdraw, with the access rules of API.md.

Every write validates the whole posting (every problem at once, nothing written on error), checks
the caller's ``expected_version`` on edits (``PreconditionFailed`` when stale), bumps ``version``
and records one audit event with the posting before and after. Services only flush; the caller's
``session_scope`` commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from exchange.audit.service import record, snapshot
from exchange.config import get_settings
from exchange.db import created_once
from exchange.errors import Conflict, InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, require_country_visible, require_posting_writer
from exchange.postings.schemas import (
    DepositCreate,
    DepositUpdate,
    WithdrawalCreate,
    WithdrawalUpdate,
)
from exchange.postings.tables import Deposit, Withdrawal
from exchange.postings.validation import validate_deposit, validate_withdrawal
from exchange.reference.validation import ReferenceCodes, failed_locs, parse_model
from exchange.timestamps import utcnow
from exchange.versions import Expected, require_version

DEFAULT_PAGE_SIZE = 50
POSTING_STATUSES = ("open", "filled", "withdrawn")


@dataclass(frozen=True)
class _Kind:
    """What differs between deposits and withdrawals."""

    name: str
    table: type[Deposit] | type[Withdrawal]
    create: type[BaseModel]
    update: type[BaseModel]
    id_prefix: str
    validate: Callable[..., list[Problem]]


DEPOSIT = _Kind("deposit", Deposit, DepositCreate, DepositUpdate, "dep-", validate_deposit)
WITHDRAWAL = _Kind(
    "withdrawal", Withdrawal, WithdrawalCreate, WithdrawalUpdate, "wdr-", validate_withdrawal
)


def _raw(payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(payload, BaseModel):
        return payload.model_dump(exclude_unset=True)
    return dict(payload)


def _new_id(kind: _Kind) -> str:
    return f"{kind.id_prefix}{uuid.uuid4().hex[:12]}"


def _create(
    kind: _Kind, session: Session, actor: Actor, payload: BaseModel | Mapping[str, Any]
) -> Any:
    raw = _raw(payload)
    country = raw.get("country")
    if isinstance(country, str):
        require_posting_writer(actor, country, kind.name)
    else:
        require_posting_writer(actor, actor.country or "", kind.name)
    problems: list[Problem] = []
    parsed = parse_model(kind.create, raw, problems)
    skip = failed_locs(problems)
    fields = parsed.model_dump() if parsed is not None else dict(raw)
    problems += kind.validate(fields, codes=ReferenceCodes(session), skip=skip)
    if problems or parsed is None:
        raise InvalidInput(problems)
    posting_id = fields.pop("id", None) or _new_id(kind)
    if session.get(kind.table, posting_id) is not None:
        raise Conflict(f"{kind.name} {posting_id!r} already exists")
    posting = kind.table(
        id=posting_id,
        remaining=fields["count"],
        created_by=actor.name,
        **fields,
    )
    session.add(posting)
    with created_once(f"{kind.name} {posting_id!r}"):
        session.flush()
    record(
        session=session,
        actor=actor,
        action=f"{kind.name}.create",
        entity=kind.name,
        entity_id=posting_id,
        after=snapshot(posting),
    )
    return posting


def _get(kind: _Kind, session: Session, actor: Actor, posting_id: str, lock: bool = False) -> Any:
    # lock: SELECT ... FOR UPDATE, so that concurrent writes of one posting (PATCH, DELETE, a
    # close) are serialised and the If-Match version check cannot pass twice (PostgreSQL)
    found = session.get(
        kind.table, posting_id, with_for_update=lock or None, populate_existing=lock
    )
    posting = cast("Deposit | Withdrawal | None", found)
    if posting is None:
        raise NotFound(f"{kind.name} {posting_id!r} not found")
    require_country_visible(actor, posting.country, f"{kind.name} {posting_id!r}")
    return posting


def _list(
    kind: _Kind,
    session: Session,
    actor: Actor,
    country: str | None,
    cadre: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    problems: list[Problem] = []
    max_page = get_settings().max_page_size
    if not 1 <= limit <= max_page:
        problems.append(Problem(("limit",), f"limit must be 1..{max_page}, got {limit}"))
    if offset < 0:
        problems.append(Problem(("offset",), f"offset must not be negative, got {offset}"))
    if status is not None and status not in POSTING_STATUSES:
        problems.append(
            Problem(("status",), f"unknown status {status!r}; one of {', '.join(POSTING_STATUSES)}")
        )
    if problems:
        raise InvalidInput(problems)
    table = kind.table
    conditions = []
    if actor.is_focal_point:
        conditions.append(col(table.country) == actor.country)
    if country is not None:
        conditions.append(col(table.country) == country.upper())
    if cadre is not None:
        conditions.append(col(table.cadre) == cadre)
    if status is not None:
        conditions.append(col(table.status) == status)
    total = session.exec(select(func.count()).select_from(table).where(*conditions)).one()
    # Plain rows (attribute access by field name), not tracked ORM objects: a page is only read,
    # and building 100 instrumented objects was most of the cost of a list request.
    columns = table.__table__.c  # type: ignore[union-attr]
    page = (
        sa_select(*columns).where(*conditions).order_by(columns["id"]).offset(offset).limit(limit)
    )
    return list(session.connection().execute(page)), int(total)


def _writable(
    kind: _Kind, session: Session, actor: Actor, posting_id: str, expected_version: Expected
) -> Any:
    posting = _get(kind, session, actor, posting_id, lock=True)
    require_posting_writer(actor, posting.country, f"{kind.name} {posting_id!r}")
    require_version(expected_version, posting.version, f"{kind.name} {posting_id!r}")
    if posting.status == "withdrawn":
        raise Conflict(f"{kind.name} {posting_id!r} was withdrawn")
    return posting


def _defaults(table: type[SQLModel]) -> dict[str, Any]:
    """Defaults of the table's optional fields (what ``null`` in a PATCH resets a field to)."""
    out: dict[str, Any] = {}
    for name, info in table.model_fields.items():
        if not info.is_required():
            out[name] = info.get_default(call_default_factory=True)
    return out


def _update(
    kind: _Kind,
    session: Session,
    actor: Actor,
    posting_id: str,
    payload: BaseModel | Mapping[str, Any],
    expected_version: Expected,
) -> Any:
    posting = _writable(kind, session, actor, posting_id, expected_version)
    raw = _raw(payload)
    problems: list[Problem] = []
    parsed = parse_model(kind.update, raw, problems)
    skip = failed_locs(problems)
    changes = parsed.model_dump(exclude_unset=True) if parsed is not None else dict(raw)
    changes = {k: v for k, v in changes.items() if k not in skip}
    defaults = _defaults(kind.table)
    for key, value in list(changes.items()):
        if value is None:
            if key in defaults:
                changes[key] = defaults[key]
            else:
                problems.append(Problem((key,), "may not be null"))
                skip.add(key)
                del changes[key]
    before = snapshot(posting)
    assert before is not None
    merged = {**before, **changes}
    problems += kind.validate(merged, codes=ReferenceCodes(session), skip=skip)
    remaining = posting.remaining
    if "count" in changes and isinstance(changes["count"], int) and "count" not in skip:
        placed = posting.count - posting.remaining
        remaining = changes["count"] - placed
        if remaining < 0:
            problems.append(
                Problem(("count",), f"count cannot go below the {placed} workers already placed")
            )
    if problems or parsed is None:
        raise InvalidInput(problems)
    for key, value in changes.items():
        setattr(posting, key, value)
    posting.remaining = remaining
    posting.status = "filled" if remaining == 0 else "open"
    posting.version += 1
    posting.updated_at = utcnow()
    session.add(posting)
    session.flush()
    record(
        session=session,
        actor=actor,
        action=f"{kind.name}.update",
        entity=kind.name,
        entity_id=posting_id,
        before=before,
        after=snapshot(posting),
    )
    return posting


def _withdraw(
    kind: _Kind, session: Session, actor: Actor, posting_id: str, expected_version: Expected
) -> Any:
    posting = _writable(kind, session, actor, posting_id, expected_version)
    before = snapshot(posting)
    posting.status = "withdrawn"
    posting.version += 1
    posting.updated_at = utcnow()
    session.add(posting)
    session.flush()
    record(
        session=session,
        actor=actor,
        action=f"{kind.name}.withdraw",
        entity=kind.name,
        entity_id=posting_id,
        before=before,
        after=snapshot(posting),
    )
    return posting


def check_deposit_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The meaning problems (unknown codes, bad months...) of the fields of a deposit body whose
    other fields were refused for their type or name (those in ``skip``), so that one answer names
    every problem of the body."""
    return validate_deposit(data, codes=ReferenceCodes(session), skip=skip)


def check_withdrawal_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """As `check_deposit_fields`, for a withdrawal body."""
    return validate_withdrawal(data, codes=ReferenceCodes(session), skip=skip)


def _check_patch(
    kind: _Kind, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    problems: list[Problem] = []
    parse_model(kind.update, data, problems)
    reported = {*skip, *failed_locs(problems)}
    return problems + kind.validate(data, codes=ReferenceCodes(session), skip=reported)


def check_deposit_patch(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The problems of a deposit PATCH body on its own (unknown fields, types, meaning), for an
    answer that must not reach the stored deposit (a missing ``If-Match``)."""
    return _check_patch(DEPOSIT, session, data, skip)


def check_withdrawal_patch(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """As `check_deposit_patch`, for a withdrawal PATCH body."""
    return _check_patch(WITHDRAWAL, session, data, skip)


# ---------------------------------------------------------------- deposits


def create_deposit(
    *, session: Session, actor: Actor, data: DepositCreate | Mapping[str, Any]
) -> Deposit:
    """Post a deposit for the actor's country (focal point) or any country (admin)."""
    posting: Deposit = _create(DEPOSIT, session, actor, data)
    return posting


def get_deposit(*, session: Session, actor: Actor, deposit_id: str) -> Deposit:
    """One deposit; another country's is ``NotFound`` for a focal point."""
    posting: Deposit = _get(DEPOSIT, session, actor, deposit_id)
    return posting


def list_deposits(
    *,
    session: Session,
    actor: Actor,
    country: str | None = None,
    cadre: str | None = None,
    status: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """A page of deposits by id (read-only rows with the deposit's fields) and the total matching;
    focal points see their country's only."""
    return _list(DEPOSIT, session, actor, country, cadre, status, limit, offset)


def update_deposit(
    *,
    session: Session,
    actor: Actor,
    deposit_id: str,
    data: DepositUpdate | Mapping[str, Any],
    expected_version: Expected,
) -> Deposit:
    """Edit a deposit (PATCH); a stale ``expected_version`` is ``PreconditionFailed``."""
    posting: Deposit = _update(DEPOSIT, session, actor, deposit_id, data, expected_version)
    return posting


def withdraw_deposit(
    *, session: Session, actor: Actor, deposit_id: str, expected_version: Expected
) -> Deposit:
    """Withdraw a deposit from the exchange (status ``withdrawn``; the row stays)."""
    posting: Deposit = _withdraw(DEPOSIT, session, actor, deposit_id, expected_version)
    return posting


# ---------------------------------------------------------------- withdrawals


def create_withdrawal(
    *, session: Session, actor: Actor, data: WithdrawalCreate | Mapping[str, Any]
) -> Withdrawal:
    """Post a withdrawal for the actor's country (focal point) or any country (admin)."""
    posting: Withdrawal = _create(WITHDRAWAL, session, actor, data)
    return posting


def get_withdrawal(*, session: Session, actor: Actor, withdrawal_id: str) -> Withdrawal:
    """One withdrawal; another country's is ``NotFound`` for a focal point."""
    posting: Withdrawal = _get(WITHDRAWAL, session, actor, withdrawal_id)
    return posting


def list_withdrawals(
    *,
    session: Session,
    actor: Actor,
    country: str | None = None,
    cadre: str | None = None,
    status: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """A page of withdrawals by id (read-only rows with the withdrawal's fields) and the total
    matching; focal points see their country's only."""
    return _list(WITHDRAWAL, session, actor, country, cadre, status, limit, offset)


def update_withdrawal(
    *,
    session: Session,
    actor: Actor,
    withdrawal_id: str,
    data: WithdrawalUpdate | Mapping[str, Any],
    expected_version: Expected,
) -> Withdrawal:
    """Edit a withdrawal (PATCH); a stale ``expected_version`` is ``PreconditionFailed``."""
    posting: Withdrawal = _update(WITHDRAWAL, session, actor, withdrawal_id, data, expected_version)
    return posting


def withdraw_withdrawal(
    *, session: Session, actor: Actor, withdrawal_id: str, expected_version: Expected
) -> Withdrawal:
    """Withdraw a withdrawal from the exchange (status ``withdrawn``; the row stays)."""
    posting: Withdrawal = _withdraw(WITHDRAWAL, session, actor, withdrawal_id, expected_version)
    return posting


# ---------------------------------------------------------------- summary


@dataclass(frozen=True)
class PostingSummaryRow:
    """Open postings of one country and cadre: how many, and workers offered or positions sought."""

    country: str
    cadre: str
    deposits: int
    workers_offered: int
    withdrawals: int
    positions_sought: int


def postings_summary(*, session: Session) -> list[PostingSummaryRow]:
    """Open postings with something remaining, per country and cadre (sorted by both)."""
    cells: dict[tuple[str, str], list[int]] = {}
    for table, index in ((Deposit, 0), (Withdrawal, 2)):
        statement = (
            select(table.country, table.cadre, func.count(), func.sum(table.remaining))
            .where(col(table.status) == "open", col(table.remaining) >= 1)
            .group_by(col(table.country), col(table.cadre))
        )
        for country, cadre, postings, workers in session.exec(statement):
            cell = cells.setdefault((country, cadre), [0, 0, 0, 0])
            cell[index] = int(postings)
            cell[index + 1] = int(workers or 0)
    return [
        PostingSummaryRow(country, cadre, *cells[(country, cadre)])
        for country, cadre in sorted(cells)
    ]
