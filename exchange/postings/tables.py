"""Deposit and withdrawal tables: the MATCHING.md fields plus status, remaining and version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field, timestamp_field


class PostingBookkeeping(SQLModel):
    """Fields every posting carries beside its matching fields."""

    status: str = Field(default="open", index=True)  # open | filled | withdrawn
    remaining: int
    version: int = 1
    created_by: str | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()
    notes: str | None = None


class PostingKey(PostingBookkeeping):
    """What every posting is: an id, a country, a cadre and how many (workers or positions)."""

    id: str = Field(primary_key=True, max_length=64)
    country: str = Field(foreign_key="countries.code", index=True)
    cadre: str = Field(foreign_key="cadres.code", index=True)
    count: int


class Deposit(PostingKey, table=True):
    """``count`` interchangeable workers of one cadre that an origin offers."""

    __tablename__ = "deposits"

    languages: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    available_from: str = Field(max_length=7)
    available_to: str = Field(max_length=7)
    modalities: list[str] = Field(default_factory=lambda: ["relocation"], sa_type=JSON)
    max_duration_months: int | None = None
    min_benefit_usd_per_worker: int = 0
    excluded_destinations: list[str] = Field(default_factory=list, sa_type=JSON)
    preferred_destinations: list[str] = Field(default_factory=list, sa_type=JSON)


class Withdrawal(PostingKey, table=True):
    """``count`` open positions of one cadre that a destination asks the exchange to fill."""

    __tablename__ = "withdrawals"

    required_languages: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    language_training_months: int = 0
    benefit_usd_per_worker: int = 0
    priority: int = 1
    start_from: str = Field(max_length=7)
    start_to: str = Field(max_length=7)
    modality: str = "relocation"
    duration_months: int = 12
    requires_recognition: bool = False
    preferred_origins: list[str] = Field(default_factory=list, sa_type=JSON)
