"""Pydantic shapes of dashboard data."""

from __future__ import annotations

from sqlmodel import SQLModel


class FillRow(SQLModel):
    """Postings of one side for one country and cadre: posted, remaining, placed, fill ratio."""

    country: str
    cadre: str
    side: str  # deposit | withdrawal
    postings: int
    posted: int
    remaining: int
    placed: int
    fill_ratio: float


class RoundObjective(SQLModel):
    """A round's status and objective values."""

    id: int
    name: str | None
    status: str
    solver_status: str | None
    priority_fill: int | None
    min_fill_permille: int | None
    benefit_usd: int | None
    matches_count: int | None
    solve_seconds: float | None


class Summary(SQLModel):
    """Fill per country and cadre, and every round's objective values."""

    fill: list[FillRow]
    rounds: list[RoundObjective]


class FlowRow(SQLModel):
    """Workers and benefit flowing from an origin to a destination in one cadre."""

    origin: str
    destination: str
    cadre: str
    workers: int
    benefit_usd: int


class Flows(SQLModel):
    """Flows of confirmed matches (or, for one round, of its live proposals too)."""

    round_id: int | None
    statuses: list[str]
    data: list[FlowRow]
    count: int
