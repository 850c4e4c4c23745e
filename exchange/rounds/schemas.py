"""Pydantic shapes of rounds: what a planner sends to create one and what clients see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from exchange.codes import CadreCode, CountryCode


class RoundCreate(SQLModel):
    """A planner's new round: the policy of MATCHING.md and an optional scope."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    policy: dict[str, Any] = Field(default_factory=dict)
    countries: list[CountryCode] | None = None
    cadres: list[CadreCode] | None = None
    name: str | None = None


class ObjectivePublic(SQLModel):
    """The values of the three tiers of MATCHING.md."""

    priority_fill: int | None
    min_fill_permille: int | None
    benefit_usd: int | None


class RoundPublic(SQLModel):
    """A round as clients see it (without its snapshot and result, which have own endpoints)."""

    id: int
    name: str | None
    status: str
    policy: dict[str, Any]
    countries: list[str] | None
    cadres: list[str] | None
    solver_status: str | None
    objective: ObjectivePublic | None
    failure_reason: str | None
    deposits_count: int | None
    withdrawals_count: int | None
    matches_count: int | None
    solve_seconds: float | None
    attempts: int
    version: int
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    closed_at: datetime | None
    close_report: dict[str, Any] | None


class RoundsPublic(SQLModel):
    """A page of rounds and the total number matching the filters."""

    data: list[RoundPublic]
    count: int


class RoundEventPublic(SQLModel):
    """One progress event of a round's solve."""

    id: int
    kind: str
    tier: str | None
    incumbent: float | None
    bound: float | None
    elapsed_s: float | None
    message: str | None
    created_at: datetime


class RejectedAtClose(SQLModel):
    """A confirmed proposal that no longer fitted its postings when the round closed."""

    proposal_id: int
    deposit_id: str
    withdrawal_id: str
    count: int
    reason: str


class CloseReport(SQLModel):
    """What closing a round did."""

    round_id: int
    booked: list[int]
    rejected_at_close: list[RejectedAtClose]
    expired: int
    ledger_entries: int
