"""The placements tables: a booked proposal followed over time, its events and its payments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.codes import PlacementEventKind
from exchange.enum_column import EnumText
from exchange.rounds.tables import TOTAL
from exchange.timestamps import created_at_field, timestamp_field


class Placement(SQLModel, table=True):
    """``workers`` of a deposit placed on a withdrawal when a live round closed.

    The stage counts are cumulative: how many workers signed a contract, departed, started,
    returned, ended and were cancelled so far (``exchange.placements.stages`` keeps them
    consistent). ``booked_month`` is the round's ``as_of``: the month the quotas and depletion
    caps of later rounds count it in.
    """

    __tablename__ = "placements"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    proposal_id: int = Field(foreign_key="proposals.id", unique=True)
    deposit_id: str
    withdrawal_id: str
    origin: str = Field(foreign_key="countries.code", index=True)
    destination: str = Field(foreign_key="countries.code", index=True)
    cadre: str = Field(foreign_key="cadres.code")
    modality: str
    workers: int
    agreement_id: str | None = Field(default=None, index=True)
    basis: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    benefit_usd_per_worker: int
    start_month: str
    duration_months: int
    expected_end_month: str
    booked_month: str = Field(index=True)
    contract_signed: int = 0
    departed: int = 0
    started: int = 0
    returned: int = 0
    ended: int = 0
    cancelled: int = 0
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()


class PlacementEvent(SQLModel, table=True):
    """Something that happened to some of a placement's workers in a month."""

    __tablename__ = "placement_events"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", index=True)
    kind: PlacementEventKind = Field(sa_type=EnumText(PlacementEventKind))
    workers: int
    month: str
    note: str | None = None
    created_by: str | None = None
    created_at: datetime = created_at_field()


class Payment(SQLModel, table=True):
    """Benefit the destination paid to the origin's health system for a placement."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", index=True)
    amount_usd: int = Field(sa_type=TOTAL)
    month: str
    note: str | None = None
    created_by: str | None = None
    created_at: datetime = created_at_field()
