"""Pydantic shapes of proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from sqlmodel import SQLModel

from exchange.bodies import FROM_TEXT, RequestBody
from exchange.codes import DeclineReason, ProposalStatus


class BasisPublic(SQLModel):
    """The rules that made a relocation lawful (MATCHING.md section 7)."""

    origin_listed: bool | None = None
    g2g_agreement_id: str | None = None
    positive_listed: bool | None = None
    recognition_agreement_id: str | None = None


class ProposalPublic(SQLModel):
    """A match of a round awaiting (or having) both countries' answers."""

    id: int
    round_id: int
    deposit_id: str
    withdrawal_id: str
    origin: str
    destination: str
    cadre: str
    count: int
    benefit_usd_per_worker: int
    language_training_months: int
    agreement_id: str | None
    basis: BasisPublic | None = None
    status: ProposalStatus
    origin_accepted_at: datetime | None
    destination_accepted_at: datetime | None
    declined_by: str | None
    declined_at: datetime | None
    decline_reason: DeclineReason | None = None
    decline_note: str | None = None
    close_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime | None


class ProposalsPublic(SQLModel):
    """A page of proposals and the total number matching the filters."""

    data: list[ProposalPublic]
    count: int


Side = Literal["origin", "destination"]


class ProposalAnswer(RequestBody):
    """Optional body of accept/decline: the side an admin acts for, and a note; a decline may
    say why (``reason``: conditions, timing, language, benefit, capacity or other)."""

    side: Side | None = None
    note: str | None = None
    reason: Annotated[DeclineReason | None, FROM_TEXT] = None
