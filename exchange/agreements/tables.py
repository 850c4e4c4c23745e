"""The agreements table, with every field of MATCHING.md plus bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field, timestamp_field


class Agreement(SQLModel, table=True):
    """A bilateral agreement: who may recruit whom, under which quotas and benefits."""

    __tablename__ = "agreements"

    id: str = Field(primary_key=True, max_length=64)
    origin: str = Field(foreign_key="countries.code", index=True)
    destination: str = Field(foreign_key="countries.code", index=True)
    name: str | None = None
    g2g: bool = False
    cadres: list[str] = Field(default_factory=list, sa_type=JSON)
    valid_from: str = Field(max_length=7)
    valid_to: str = Field(max_length=7)
    quotas: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    benefit_usd_per_worker: int = 0
    recognition: bool = False
    notes: str | None = None
    deleted: bool = False
    version: int = 1
    created_by: str | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()
