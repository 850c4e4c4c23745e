"""The proposals table: a match of a round awaiting both countries' answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from exchange.codes import DeclineReason, ProposalStatus
from exchange.enum_column import EnumText
from exchange.timestamps import created_at_field, timestamp_field

KEYS_CHECKED_BY_TRIGGERS = ("round_id", "deposit_id", "withdrawal_id")
"""On PostgreSQL these foreign keys are enforced by triggers that check a whole statement's rows at
once (migration 0009), not by foreign-key constraints: a round inserts hundreds of proposals."""


class Proposal(SQLModel, table=True):
    """``count`` workers of a deposit proposed for a withdrawal in a round."""

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("round_id", "deposit_id", "withdrawal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # round_id is the prefix of the unique index; deposit_id and withdrawal_id need none (0003)
    round_id: int = Field(foreign_key="rounds.id")
    deposit_id: str = Field(foreign_key="deposits.id")
    withdrawal_id: str = Field(foreign_key="withdrawals.id")
    # copies of the postings' country and cadre (for filters), guaranteed by their keys (0004)
    origin: str = Field(index=True)
    destination: str = Field(index=True)
    cadre: str
    count: int
    benefit_usd_per_worker: int
    language_training_months: int = 0
    agreement_id: str | None = None
    basis: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # MATCHING.md section 7
    status: ProposalStatus = Field(
        default=ProposalStatus.PENDING, index=True, sa_type=EnumText(ProposalStatus)
    )
    origin_accepted_at: datetime | None = timestamp_field()
    destination_accepted_at: datetime | None = timestamp_field()
    declined_by: str | None = None  # "origin" | "destination" | "admin"
    declined_at: datetime | None = timestamp_field()
    decline_reason: DeclineReason | None = Field(default=None, sa_type=EnumText(DeclineReason))
    decline_note: str | None = None
    close_note: str | None = None
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()
