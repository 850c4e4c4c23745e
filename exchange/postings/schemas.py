"""Pydantic shapes of postings (the SQLModel ladder): Create, Update (all optional), Public, page.

Field types are kept loose (``str``, ``int``) on purpose: the semantic rules (known codes, month
format, CEFR levels, ranges) live in ``exchange.postings.validation`` so that every problem of a
request is reported at once with the same messages; pydantic only refuses wrong types (strictly:
JSON types as they are) and unknown fields, and treats ``null`` on creation as absent
(``exchange.bodies``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, get_type_hints

from pydantic import create_model
from sqlmodel import Field, SQLModel

from exchange.bodies import CreationBody, RequestBody
from exchange.bounds import Months, PositiveMonths, Priority, UsdPerWorker, Workers
from exchange.codes import CadreCode, CountryCode, LanguageCode, Month, PostingId


class PostingCreate(CreationBody):
    """A new posting: the client may name its id (else one is generated)."""

    id: PostingId | None = None


class PostingUpdate(RequestBody):
    """A PATCH of a posting, the body the service parses after merging it into the stored one."""

    FIXED: ClassVar[dict[str, str]] = {
        "id": "cannot be changed: a posting keeps the id it was created with",
        "country": "cannot be changed: withdraw this posting and post one for the other country",
    }


def update_model(base: type[SQLModel], name: str, doc: str) -> type[PostingUpdate]:
    """The PATCH body of one kind of posting: ``base``'s fields but the country, each optional
    with ``None`` as its default (absent: keep; ``null``: reset), so that a field added to a kind
    is editable at once, with the same type and bounds."""
    hints = get_type_hints(base, include_extras=True)  # with their bounds (``Workers``, ...)
    fields: dict[str, Any] = {
        field: (hints[field] | None, None) for field in base.model_fields if field != "country"
    }
    return create_model(name, __base__=PostingUpdate, __doc__=doc, __module__=__name__, **fields)


class DepositBase(SQLModel):
    """The MATCHING.md fields of a deposit."""

    country: CountryCode
    cadre: CadreCode
    count: Workers
    languages: dict[LanguageCode, str] = Field(default_factory=dict)
    available_from: Month
    available_to: Month
    modalities: list[str] = Field(default_factory=lambda: ["relocation"])
    max_duration_months: PositiveMonths | None = None
    min_benefit_usd_per_worker: UsdPerWorker = 0
    excluded_destinations: list[CountryCode] = Field(default_factory=list)
    preferred_destinations: list[CountryCode] = Field(default_factory=list)
    notes: str | None = None


class DepositCreate(PostingCreate, DepositBase):
    """A focal point's new deposit; ``id`` is generated when absent."""


DepositUpdate = update_model(
    DepositBase,
    "DepositUpdate",
    "A PATCH of a deposit: absent fields keep their value (the country and id never change).",
)


class PostingStatePublic(SQLModel):
    """Bookkeeping every posting shows besides its matching fields."""

    status: str
    remaining: int
    version: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime | None


class DepositPublic(PostingStatePublic, DepositBase):
    """A deposit as clients see it."""

    id: PostingId


class DepositsPublic(SQLModel):
    """A page of deposits and the total number matching the filters."""

    data: list[DepositPublic]
    count: int


class WithdrawalBase(SQLModel):
    """The MATCHING.md fields of a withdrawal."""

    country: CountryCode
    cadre: CadreCode
    count: Workers
    required_languages: dict[LanguageCode, str] = Field(default_factory=dict)
    language_training_months: Months = 0
    benefit_usd_per_worker: UsdPerWorker = 0
    priority: Priority = 1
    start_from: Month
    start_to: Month
    modality: str = "relocation"
    duration_months: PositiveMonths = 12
    requires_recognition: bool = False
    preferred_origins: list[CountryCode] = Field(default_factory=list)
    notes: str | None = None


class WithdrawalCreate(PostingCreate, WithdrawalBase):
    """A focal point's new withdrawal; ``id`` is generated when absent."""


WithdrawalUpdate = update_model(
    WithdrawalBase,
    "WithdrawalUpdate",
    "A PATCH of a withdrawal: absent fields keep their value (the country and id never change).",
)


class WithdrawalPublic(PostingStatePublic, WithdrawalBase):
    """A withdrawal as clients see it."""

    id: PostingId


class WithdrawalsPublic(SQLModel):
    """A page of withdrawals and the total number matching the filters."""

    data: list[WithdrawalPublic]
    count: int
