"""Semantic aliases and literal vocabularies of the exchange (codes, roles, statuses)."""

from __future__ import annotations

from typing import Literal

CountryCode = str  # ISO 3166-1 alpha-3, e.g. "NPL"
CadreCode = str  # ISCO-08 unit group, e.g. "2221"
LanguageCode = str  # ISO 639-1, e.g. "de"
Month = str  # "YYYY-MM"
PostingId = str
AgreementId = str

Role = Literal["admin", "planner", "focal_point", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "planner", "focal_point", "viewer")

PostingStatus = Literal["open", "filled", "withdrawn"]
RoundStatus = Literal["draft", "running", "proposed", "failed", "closed"]
ProposalStatus = Literal[
    "pending",
    "accepted_by_origin",
    "accepted_by_destination",
    "confirmed",
    "declined",
    "expired",
    "rejected_at_close",
]
LedgerKind = Literal["workers_out", "workers_in", "benefit_receivable", "benefit_payable"]
