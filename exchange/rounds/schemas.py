"""Pydantic shapes of rounds: what a planner sends to create one and what clients see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import WithJsonSchema
from sqlmodel import Field, SQLModel

from exchange.bodies import FROM_TEXT, CreationBody
from exchange.bounds import DEPLETION_SHARE_MAX, MONTHS_MAX, PAIR_BENEFIT_USD_MAX, SEED_MAX
from exchange.codes import CadreCode, CountryCode, Month, RoundEventKind, RoundKind, RoundStatus
from solver.schema import SafeguardMode


class PolicyFields(CreationBody):
    """The policy of a new round (MATCHING.md section 1): each field optional, ``null`` or absent
    taking MATCHING.md's default, unknown fields refused; the ranges are in ``exchange.bounds``.

    Only a check: the round keeps the policy as sent (``RoundCreate.policy``). The two ratios
    are JSON numbers (integers or decimals), checked as ``float`` in pydantic's strict mode.
    """

    safeguard_mode: SafeguardMode | None = None
    benefit_floor_ratio: float | None = Field(default=None, ge=0)
    max_depletion_share: float | None = Field(default=None, ge=0, le=DEPLETION_SHARE_MAX)
    language_months_per_level: int | None = Field(default=None, ge=0, le=MONTHS_MAX)
    pair_minimum_benefit_usd: int | None = Field(default=None, ge=0, le=PAIR_BENEFIT_USD_MAX)
    time_limit_s: float | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0, le=SEED_MAX)


POLICY_SCHEMA = PolicyFields.model_json_schema()
"""The JSON Schema of a policy, for the OpenAPI document."""


class RoundCreate(CreationBody):
    """A planner's new round: the policy of MATCHING.md and an optional scope.

    The policy stays a mapping (its fields are checked by the service with ``PolicyFields``, so
    that its problems come with the body's others); its schema in the OpenAPI document is
    ``PolicyFields``'.
    """

    policy: Annotated[dict[str, Any], WithJsonSchema(POLICY_SCHEMA)] = Field(default_factory=dict)
    countries: list[CountryCode] | None = None
    cadres: list[CadreCode] | None = None
    name: str | None = None
    kind: Annotated[RoundKind, FROM_TEXT] = Field(
        default=RoundKind.LIVE,
        description="live (may be closed and book placements) or what_if (never books)",
    )
    as_of: Month | None = Field(
        default=None,
        description="YYYY-MM the snapshot is taken as of: agreements in force, the safeguards "
        "list edition, earlier placements (default: the month the round runs)",
    )
    answer_by: Annotated[datetime | None, FROM_TEXT] = Field(
        default=None, description="proposals still pending then expire (ISO 8601 date-time)"
    )


class WhatIfCreate(CreationBody):
    """The policy fields a what-if round changes on its live round's frozen snapshot."""

    policy: Annotated[dict[str, Any], WithJsonSchema(POLICY_SCHEMA)] = Field(default_factory=dict)
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
    kind: RoundKind
    base_round_id: int | None
    as_of: str | None
    answer_by: datetime | None
    status: RoundStatus
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
    proposals: dict[str, int] | None = Field(
        default=None, description="the round's proposals by status (on a single round's read)"
    )


class RoundsPublic(SQLModel):
    """A page of rounds and the total number matching the filters."""

    data: list[RoundPublic]
    count: int


class RoundEventPublic(SQLModel):
    """One progress event of a round's solve."""

    id: int
    kind: RoundEventKind
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


class CompareTier(SQLModel):
    """One tier of MATCHING.md in rounds a and b, and b - a."""

    tier: str
    a: int | None
    b: int | None
    delta: int


class CompareDestination(SQLModel):
    """Positions a destination requested (in a's snapshot) and had filled in each round."""

    destination: str
    requested: int
    filled_a: int
    filled_b: int
    delta: int


class CompareRoute(SQLModel):
    """Workers on one route (origin, destination, cadre) in each round."""

    origin: str
    destination: str
    cadre: str
    workers_a: int
    workers_b: int
    delta: int


class ComparePosting(SQLModel):
    """A posting placed differently in the two rounds, with the reasons (MATCHING.md section 5)
    that held it back in the round where it got less (``less_in``)."""

    side: str  # deposit | withdrawal
    id: str
    country: str
    placed_a: int
    placed_b: int
    delta: int
    less_in: str  # a | b
    reasons: list[dict[str, Any]]


class RoundComparison(SQLModel):
    """Round ``a`` against round ``b`` (deltas are b - a)."""

    a: int
    b: int
    tiers: list[CompareTier]
    destinations: list[CompareDestination]
    routes: list[CompareRoute]
    postings: list[ComparePosting]
