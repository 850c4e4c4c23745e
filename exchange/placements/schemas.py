"""Pydantic shapes of placements, their events and payments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import SQLModel

from exchange.bodies import FROM_TEXT, RequestBody
from exchange.bounds import USD_PER_WORKER_MAX, WORKERS_MAX
from exchange.codes import Month, PlacementEventKind
from exchange.placements.stages import PlacementStatus
from exchange.proposals.schemas import BasisPublic


class StageCounts(SQLModel):
    """Workers of a placement at each stage so far (cumulative)."""

    contract_signed: int
    departed: int
    started: int
    returned: int
    ended: int
    cancelled: int


class PlacementPublic(SQLModel):
    """A booked proposal followed over time (API.md, "Placements")."""

    id: int
    round_id: int
    proposal_id: int
    deposit_id: str
    withdrawal_id: str
    origin: str
    destination: str
    cadre: str
    modality: str
    workers: int
    agreement_id: str | None
    basis: BasisPublic | None
    benefit_usd_per_worker: int
    benefit_promised_usd: int
    benefit_paid_usd: int
    start_month: str
    duration_months: int
    expected_end_month: str
    booked_month: str
    status: PlacementStatus
    stages: StageCounts
    version: int
    created_at: datetime
    updated_at: datetime | None


class PlacementsPublic(SQLModel):
    """A page of placements and the total matching the filters."""

    data: list[PlacementPublic]
    count: int


class PlacementEventCreate(RequestBody):
    """Something that happened to some of a placement's workers in a month."""

    kind: Annotated[PlacementEventKind, FROM_TEXT]
    workers: Annotated[int, Field(ge=1, le=WORKERS_MAX)]
    month: Month = Field(description="YYYY-MM, not before the placement's start")
    note: str | None = Field(default=None, max_length=2000)


class PlacementEventPublic(SQLModel):
    """A recorded event."""

    id: int
    placement_id: int
    kind: PlacementEventKind
    workers: int
    month: str
    note: str | None
    created_by: str | None
    created_at: datetime


class PaymentCreate(RequestBody):
    """Benefit the destination paid to the origin's health system for a placement."""

    amount_usd: Annotated[int, Field(ge=1, le=USD_PER_WORKER_MAX * WORKERS_MAX)]
    month: Month = Field(description="YYYY-MM")
    note: str | None = Field(default=None, max_length=2000)


class PaymentPublic(SQLModel):
    """A recorded payment."""

    id: int
    placement_id: int
    amount_usd: int
    month: str
    note: str | None
    created_by: str | None
    created_at: datetime
