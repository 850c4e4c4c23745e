"""Deposits and withdrawals: create, read, list, edit and withdraw, with the access rules of API.md.

One ``PostingService`` per kind (``DEPOSITS``, ``WITHDRAWALS``); what differs between the kinds
is data: the table, the body models and the rules (``exchange.postings.validation``). Bodies come
as sent: every write validates the whole posting (every problem at once, type, name and meaning
together; nothing written on error), checks the caller's ``expected_version`` on edits
(``PreconditionFailed`` when stale, ``PreconditionRequired`` when missing), bumps ``version`` and
records one audit event with the posting before and after. Services only flush; the caller's
``session_scope`` commits. The kind-named functions at the end are what callers use.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from exchange.audit.service import record, snapshot
from exchange.config import get_settings
from exchange.db import created_once
from exchange.errors import Conflict, InvalidInput, NotFound, PreconditionRequired, Problem
from exchange.identity.actor import Actor, require_country_visible, require_posting_writer
from exchange.postings.schemas import (
    DepositCreate,
    DepositUpdate,
    WithdrawalCreate,
    WithdrawalUpdate,
)
from exchange.postings.tables import Deposit, Withdrawal
from exchange.postings.validation import validate_deposit, validate_withdrawal
from exchange.reference.validation import ReferenceCodes, failed_locs, parse_model, raw_fields
from exchange.versions import Expected, VersionMissing, next_version, require_version

DEFAULT_PAGE_SIZE = 50
POSTING_STATUSES = ("open", "filled", "withdrawn")


T = TypeVar("T", Deposit, Withdrawal)
Validator = Callable[..., list[Problem]]
"""``validate_deposit`` or ``validate_withdrawal``: ``(data, *, codes, skip) -> problems``."""


def _defaults(table: type[SQLModel]) -> dict[str, Any]:
    """Defaults of the table's optional fields (what ``null`` in a PATCH resets a field to)."""
    out: dict[str, Any] = {}
    for name, info in table.model_fields.items():
        if not info.is_required():
            out[name] = info.get_default(call_default_factory=True)
    return out


def _page_problems(limit: int, offset: int, status: str | None) -> list[Problem]:
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
    return problems


@dataclass(frozen=True)
class PostingService(Generic[T]):
    """The service of one kind of posting; what differs between deposits and withdrawals is data
    (the table, the body models, the id prefix and the rules of ``validation``)."""

    name: str
    table: type[T]
    create_model: type[BaseModel]
    update_model: type[BaseModel]
    id_prefix: str
    validate: Validator

    def create(self, *, session: Session, actor: Actor, data: BaseModel | Mapping[str, Any]) -> T:
        """Post one for the actor's country (focal point) or any country (admin).

        The body as sent: when its shape is wrong (types, unknown fields) every problem of it is
        reported before who may write it is checked; then the writer, then the meaning.
        """
        raw = raw_fields(data)
        problems: list[Problem] = []
        parsed = parse_model(self.create_model, raw, problems)
        if parsed is None:
            codes = ReferenceCodes(session)
            raise InvalidInput(
                problems + self.validate(raw, codes=codes, skip=failed_locs(problems))
            )
        fields = parsed.model_dump()
        country = fields.get("country")
        writing_for = country if isinstance(country, str) else actor.country or ""
        require_posting_writer(actor, writing_for, self.name)
        problems = self.validate(fields, codes=ReferenceCodes(session), skip=())
        if problems:
            raise InvalidInput(problems)
        posting_id = fields.pop("id", None) or f"{self.id_prefix}{uuid.uuid4().hex[:12]}"
        if session.get(self.table, posting_id) is not None:
            raise Conflict(f"{self.name} {posting_id!r} already exists")
        posting = self.table(
            id=posting_id, remaining=fields["count"], created_by=actor.name, **fields
        )
        session.add(posting)
        with created_once(f"{self.name} {posting_id!r}"):
            session.flush()
        self._audit(session, actor, "create", posting, None)
        return posting

    def get(self, *, session: Session, actor: Actor, posting_id: str, lock: bool = False) -> T:
        """One posting; another country's is ``NotFound`` for a focal point.

        ``lock``: SELECT ... FOR UPDATE, so that concurrent writes of one posting (PATCH, DELETE,
        a close) are serialised and the If-Match check cannot pass twice (PostgreSQL).
        """
        posting = session.get(
            self.table, posting_id, with_for_update=lock or None, populate_existing=lock
        )
        if posting is None:
            raise NotFound(f"{self.name} {posting_id!r} not found")
        require_country_visible(actor, posting.country, f"{self.name} {posting_id!r}")
        return posting

    def page(
        self,
        *,
        session: Session,
        actor: Actor,
        country: str | None = None,
        cadre: str | None = None,
        status: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> tuple[list[Any], int]:
        """A page by id (read-only rows with the posting's fields) and the total matching; focal
        points see their country's only."""
        problems = _page_problems(limit, offset, status)
        if problems:
            raise InvalidInput(problems)
        table = self.table
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
        # Plain rows (attribute access by field name), not tracked ORM objects: a page is only
        # read, and building 100 instrumented objects was most of the cost of a list request.
        columns = table.__table__.c  # type: ignore[attr-defined]
        page = (
            sa_select(*columns)
            .where(*conditions)
            .order_by(columns["id"])
            .offset(offset)
            .limit(limit)
        )
        return list(session.connection().execute(page)), int(total)

    def update(
        self,
        *,
        session: Session,
        actor: Actor,
        posting_id: str,
        data: BaseModel | Mapping[str, Any],
        expected_version: Expected,
    ) -> T:
        """Edit one (PATCH); a stale ``expected_version`` is ``PreconditionFailed``, a missing one
        ``PreconditionRequired`` with the problems of the body on its own."""
        raw = raw_fields(data)
        if isinstance(expected_version, VersionMissing):
            raise PreconditionRequired(self.check_patch(session=session, data=raw))
        posting = self._writable(session, actor, posting_id, expected_version)
        problems: list[Problem] = []
        parsed = parse_model(self.update_model, raw, problems)
        skip = failed_locs(problems)
        changes = parsed.model_dump(exclude_unset=True) if parsed is not None else raw
        changes = {k: v for k, v in changes.items() if k not in skip}
        defaults = _defaults(self.table)
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
        problems += self.validate({**before, **changes}, codes=ReferenceCodes(session), skip=skip)
        remaining = posting.remaining
        if "count" in changes and isinstance(changes["count"], int) and "count" not in skip:
            placed = posting.count - posting.remaining
            remaining = changes["count"] - placed
            if remaining < 0:
                msg = f"count cannot go below the {placed} workers already placed"
                problems.append(Problem(("count",), msg))
        if problems or parsed is None:
            raise InvalidInput(problems)
        for key, value in changes.items():
            setattr(posting, key, value)
        posting.remaining = remaining
        posting.status = "filled" if remaining == 0 else "open"
        self._save(session, actor, "update", posting, before)
        return posting

    def withdraw(
        self, *, session: Session, actor: Actor, posting_id: str, expected_version: Expected
    ) -> T:
        """Withdraw one from the exchange (status ``withdrawn``; the row stays)."""
        posting = self._writable(session, actor, posting_id, expected_version)
        before = snapshot(posting)
        posting.status = "withdrawn"
        self._save(session, actor, "withdraw", posting, before)
        return posting

    def check_patch(self, *, session: Session, data: Mapping[str, Any]) -> list[Problem]:
        """The problems of a PATCH body on its own (unknown fields, types, meaning), for an
        answer that must not reach the stored posting (a missing ``If-Match``)."""
        problems: list[Problem] = []
        parse_model(self.update_model, data, problems)
        skip = failed_locs(problems)
        return problems + self.validate(data, codes=ReferenceCodes(session), skip=skip)

    def _writable(
        self, session: Session, actor: Actor, posting_id: str, expected_version: Expected
    ) -> T:
        posting = self.get(session=session, actor=actor, posting_id=posting_id, lock=True)
        what = f"{self.name} {posting_id!r}"
        require_posting_writer(actor, posting.country, what)
        require_version(expected_version, posting.version, what)
        if posting.status == "withdrawn":
            raise Conflict(f"{what} was withdrawn")
        return posting

    def _save(
        self, session: Session, actor: Actor, action: str, posting: T, before: dict[str, Any] | None
    ) -> None:
        next_version(posting)
        session.add(posting)
        session.flush()
        self._audit(session, actor, action, posting, before)

    def _audit(
        self, session: Session, actor: Actor, action: str, posting: T, before: dict[str, Any] | None
    ) -> None:
        record(
            session=session,
            actor=actor,
            action=f"{self.name}.{action}",
            entity=self.name,
            entity_id=posting.id,
            before=before,
            after=snapshot(posting),
        )


DEPOSITS = PostingService(
    "deposit", Deposit, DepositCreate, DepositUpdate, "dep-", validate_deposit
)
WITHDRAWALS = PostingService(
    "withdrawal", Withdrawal, WithdrawalCreate, WithdrawalUpdate, "wdr-", validate_withdrawal
)

# The names callers use: the kind's own id keyword (``deposit_id``, ``withdrawal_id``).
create_deposit = DEPOSITS.create
create_withdrawal = WITHDRAWALS.create
list_deposits = DEPOSITS.page
list_withdrawals = WITHDRAWALS.page


def get_deposit(*, session: Session, actor: Actor, deposit_id: str) -> Deposit:
    """One deposit; another country's is ``NotFound`` for a focal point."""
    return DEPOSITS.get(session=session, actor=actor, posting_id=deposit_id)


def get_withdrawal(*, session: Session, actor: Actor, withdrawal_id: str) -> Withdrawal:
    """One withdrawal; another country's is ``NotFound`` for a focal point."""
    return WITHDRAWALS.get(session=session, actor=actor, posting_id=withdrawal_id)


class Edit(TypedDict):
    """The arguments of an edit besides the posting's id."""

    session: Session
    actor: Actor
    data: BaseModel | Mapping[str, Any]
    expected_version: Expected


class Withdraw(TypedDict):
    """The arguments of a withdrawal from the exchange besides the posting's id."""

    session: Session
    actor: Actor
    expected_version: Expected


def update_deposit(*, deposit_id: str, **edit: Unpack[Edit]) -> Deposit:
    """Edit a deposit (PATCH); a stale ``expected_version`` is ``PreconditionFailed``."""
    return DEPOSITS.update(posting_id=deposit_id, **edit)


def update_withdrawal(*, withdrawal_id: str, **edit: Unpack[Edit]) -> Withdrawal:
    """Edit a withdrawal (PATCH); a stale ``expected_version`` is ``PreconditionFailed``."""
    return WITHDRAWALS.update(posting_id=withdrawal_id, **edit)


def withdraw_deposit(*, deposit_id: str, **withdraw: Unpack[Withdraw]) -> Deposit:
    """Withdraw a deposit from the exchange (status ``withdrawn``; the row stays)."""
    return DEPOSITS.withdraw(posting_id=deposit_id, **withdraw)


def withdraw_withdrawal(*, withdrawal_id: str, **withdraw: Unpack[Withdraw]) -> Withdrawal:
    """Withdraw a withdrawal from the exchange (status ``withdrawn``; the row stays)."""
    return WITHDRAWALS.withdraw(posting_id=withdrawal_id, **withdraw)


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
