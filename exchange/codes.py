"""Semantic aliases and literal vocabularies of the exchange (codes, roles, statuses)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

CountryCode = str  # ISO 3166-1 alpha-3, e.g. "NPL"
CadreCode = str  # ISCO-08 unit group, e.g. "2221"
LanguageCode = str  # ISO 639-1, e.g. "de"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(json_schema_extra={"pattern": MONTH_PATTERN})]
"""``YYYY-MM``.  The pattern is documented in the OpenAPI schema only: the services check months
themselves (``exchange.reference.validation.check_month``), naming every bad field at once."""
PostingId = str
AgreementId = str

Role = Literal["admin", "planner", "focal_point", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "planner", "focal_point", "viewer")

PostingStatus = Literal["open", "filled", "withdrawn"]


class RoundStatus(StrEnum):
    """Where a round is in its life (``exchange.rounds.lifecycle`` moves it)."""

    DRAFT = "draft"
    RUNNING = "running"
    PROPOSED = "proposed"
    FAILED = "failed"
    CLOSED = "closed"


class ProposalStatus(StrEnum):
    """Where a proposal is in its life (``exchange.proposals.lifecycle`` moves it)."""

    PENDING = "pending"
    ACCEPTED_BY_ORIGIN = "accepted_by_origin"
    ACCEPTED_BY_DESTINATION = "accepted_by_destination"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    REJECTED_AT_CLOSE = "rejected_at_close"


class RoundKind(StrEnum):
    """A ``live`` round may be closed and book placements; a ``what_if`` round only shows what a
    changed policy would do on a live round's frozen snapshot (API.md, "Live and what-if")."""

    LIVE = "live"
    WHAT_IF = "what_if"


class PostingSide(StrEnum):
    """The two kinds of posting."""

    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


class DeclineReason(StrEnum):
    """Why a country declined a proposal (API.md, "Governance")."""

    CONDITIONS = "conditions"
    TIMING = "timing"
    LANGUAGE = "language"
    BENEFIT = "benefit"
    CAPACITY = "capacity"
    OTHER = "other"


class PlacementEventKind(StrEnum):
    """What happens to a placement's workers after the booking (API.md, "Placements")."""

    CONTRACT_SIGNED = "contract_signed"
    DEPARTED = "departed"
    STARTED = "started"
    RETURNED = "returned"
    ENDED = "ended"
    CANCELLED = "cancelled"


class RoundEventKind(StrEnum):
    """What a round event records: a status change or the solver's progress."""

    STATUS = "status"
    PROGRESS = "progress"


class RoundDocumentKind(StrEnum):
    """The large documents of a round: its frozen snapshot and the solver's result."""

    SCENARIO = "scenario"
    RESULT = "result"


LedgerKind = Literal[
    "workers_out",
    "workers_in",
    "benefit_receivable",
    "benefit_payable",
    "benefit_received",
    "benefit_paid",
]
