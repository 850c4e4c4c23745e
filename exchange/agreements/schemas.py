"""Pydantic shapes of agreements (the SQLModel ladder); semantic rules live in the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import WithJsonSchema
from sqlmodel import Field, SQLModel

from exchange.bodies import CreationBody, RequestBody
from exchange.bounds import Quota, UsdPerWorker
from exchange.codes import AgreementId, CadreCode, CountryCode, Month


class AgreementBase(SQLModel):
    """The MATCHING.md fields of an agreement, plus a name and notes."""

    origin: CountryCode
    destination: CountryCode
    name: str | None = None
    g2g: bool = False
    cadres: list[CadreCode] = Field(default_factory=list)
    valid_from: Month
    valid_to: Month
    quotas: dict[CadreCode, Quota] = Field(default_factory=dict)
    benefit_usd_per_worker: UsdPerWorker = 0
    recognition: bool = False
    notes: str | None = None


class AgreementCreate(CreationBody, AgreementBase):
    """A planner's new agreement; ``id`` is generated when absent."""

    id: AgreementId | None = None


class AgreementUpdate(RequestBody):
    """A PATCH of an agreement: absent fields keep their value."""

    FIXED: ClassVar[dict[str, str]] = {
        "id": "cannot be changed: an agreement keeps the id it was recorded with"
    }

    origin: CountryCode | None = None
    destination: CountryCode | None = None
    name: str | None = None
    g2g: bool | None = None
    cadres: list[CadreCode] | None = None
    valid_from: Month | None = None
    valid_to: Month | None = None
    quotas: dict[CadreCode, Quota] | None = None
    benefit_usd_per_worker: UsdPerWorker | None = None
    recognition: bool | None = None
    notes: str | None = None


AgreementPatch = Annotated[dict[str, Any], WithJsonSchema(AgreementUpdate.model_json_schema())]
"""A PATCH body as sent (documented as ``AgreementUpdate``): the service parses it and
checks it merged into the stored agreement, so one answer names every problem: unknown
fields and wrong types with the rules across fields that involve stored values (FastAPI
refusing the body first hid those)."""


class AgreementPublic(AgreementBase):
    """An agreement as clients see it."""

    id: AgreementId
    version: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime | None


class AgreementsPublic(SQLModel):
    """A list of agreements."""

    data: list[AgreementPublic]
    count: int
