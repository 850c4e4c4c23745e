"""Every table of the exchange, imported in one place so that metadata (and alembic) sees all."""

from sqlmodel import SQLModel

from exchange.agreements.tables import Agreement
from exchange.audit.tables import AuditEvent
from exchange.idempotency.tables import IdempotencyKey
from exchange.identity.tables import User
from exchange.ledger.tables import LedgerEntry
from exchange.placements.tables import Payment, Placement, PlacementEvent
from exchange.postings.tables import Deposit, Withdrawal
from exchange.proposals.tables import Proposal
from exchange.reference.tables import (
    Cadre,
    Country,
    SafeguardEdition,
    SafeguardListing,
    WorkforceFact,
)
from exchange.revisions.tables import ChangeCounter
from exchange.rounds.tables import Round, RoundDocument, RoundEvent, RoundPosting

metadata = SQLModel.metadata

__all__ = [
    "Agreement",
    "AuditEvent",
    "Cadre",
    "ChangeCounter",
    "Country",
    "Deposit",
    "IdempotencyKey",
    "LedgerEntry",
    "Payment",
    "Placement",
    "PlacementEvent",
    "Proposal",
    "Round",
    "RoundDocument",
    "RoundEvent",
    "RoundPosting",
    "SafeguardEdition",
    "SafeguardListing",
    "User",
    "Withdrawal",
    "WorkforceFact",
    "metadata",
]
