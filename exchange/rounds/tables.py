"""The rounds tables: a round's policy and job state, its documents (snapshot and result),
its progress events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, Text
from sqlmodel import Field, SQLModel

from exchange.codes import PostingSide, RoundDocumentKind, RoundEventKind, RoundKind, RoundStatus
from exchange.enum_column import EnumText
from exchange.timestamps import created_at_field, timestamp_field

TOTAL = BigInteger().with_variant(Integer(), "sqlite")
"""A total over a round (workers x dollars): 64-bit; SQLite's INTEGER is 64-bit already
(migration 0008)."""


class Round(SQLModel, table=True):
    """One matching round and the job that solves it.

    Its snapshot (frozen when the round is run) and its result are ``RoundDocument`` rows: each
    is up to megabytes of JSON, and a status or lease change must not rewrite them (SQLite rewrites
    a whole row on update). A worker claims a running round by setting ``claimed_by`` and
    ``lease_until`` in one conditional update, so that several server processes solve each round
    exactly once.
    """

    __tablename__ = "rounds"

    id: int | None = Field(default=None, primary_key=True)
    status: RoundStatus = Field(
        default=RoundStatus.DRAFT, index=True, sa_type=EnumText(RoundStatus)
    )
    kind: RoundKind = Field(default=RoundKind.LIVE, sa_type=EnumText(RoundKind))
    base_round_id: int | None = Field(default=None, foreign_key="rounds.id")
    as_of: str | None = None  # YYYY-MM the snapshot is taken as of (None: the month it runs)
    answer_by: datetime | None = timestamp_field()  # proposals still open then expire
    name: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    countries: list[str] | None = Field(default=None, sa_type=JSON)
    cadres: list[str] | None = Field(default=None, sa_type=JSON)
    solver_status: str | None = None
    priority_fill: int | None = Field(default=None, sa_type=TOTAL)
    min_fill_permille: int | None = None
    benefit_usd: int | None = Field(default=None, sa_type=TOTAL)
    failure_reason: str | None = None
    deposits_count: int | None = None
    withdrawals_count: int | None = None
    matches_count: int | None = None
    solve_seconds: float | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = timestamp_field()
    attempts: int = 0
    version: int = 1
    created_by: str | None = None
    created_at: datetime = created_at_field()
    started_at: datetime | None = timestamp_field()
    finished_at: datetime | None = timestamp_field()
    closed_at: datetime | None = timestamp_field()
    close_report: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class RoundDocument(SQLModel, table=True):
    """A large document of a round, written once: ``scenario`` (the snapshot frozen when the round
    is run) or ``result`` (the solver's result on it), as the text of its JSON (the database never
    parses it; ``exchange.rounds.documents`` does)."""

    __tablename__ = "round_documents"

    round_id: int = Field(foreign_key="rounds.id", primary_key=True)
    kind: RoundDocumentKind = Field(primary_key=True, sa_type=EnumText(RoundDocumentKind))
    body: str = Field(sa_type=Text)


class RoundEvent(SQLModel, table=True):
    """Progress of a round's solve (tier, incumbent, bound, elapsed), for the events stream."""

    __tablename__ = "round_events"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    kind: RoundEventKind = Field(default=RoundEventKind.PROGRESS, sa_type=EnumText(RoundEventKind))
    tier: str | None = None
    incumbent: float | None = None
    bound: float | None = None
    elapsed_s: float | None = None
    message: str | None = None
    created_at: datetime = created_at_field()


class RoundPosting(SQLModel, table=True):
    """A posting frozen in a round's snapshot: a live round ``running`` or ``proposed`` holds its
    postings, and no other live round may run on them meanwhile (API.md)."""

    __tablename__ = "round_postings"

    round_id: int = Field(foreign_key="rounds.id", primary_key=True)
    side: PostingSide = Field(primary_key=True, sa_type=EnumText(PostingSide))
    posting_id: str = Field(primary_key=True, index=True)
