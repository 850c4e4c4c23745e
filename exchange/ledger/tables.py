"""The ledger table: append-only, signed integer entries; balances are sums, never stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from exchange.rounds.tables import TOTAL
from exchange.timestamps import created_at_field


class LedgerEntry(SQLModel, table=True):
    """One movement on a country's account.

    A confirmed proposal gives four entries sharing ``correlation_key``: ``workers_out`` for the
    origin (negative), ``workers_in`` for the destination (positive), ``benefit_receivable`` for the
    origin (positive) and ``benefit_payable`` for the destination (negative). A payment gives two:
    ``benefit_paid`` for the destination and ``benefit_received`` for the origin. The unique
    constraint on (``correlation_key``, ``kind``) makes a replayed close unable to book a proposal
    twice, and a payment unable to be entered twice.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("correlation_key", "kind", name="uq_ledger_entries_correlation_key_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    correlation_key: str = Field(index=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    proposal_id: int = Field(foreign_key="proposals.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payments.id")
    country: str = Field(foreign_key="countries.code", index=True)
    counterparty: str = Field(foreign_key="countries.code")
    cadre: str = Field(foreign_key="cadres.code")
    kind: str  # workers_out | workers_in | benefit_receivable | benefit_payable
    amount: int = Field(sa_type=TOTAL)  # workers x US dollars: 64-bit
    created_at: datetime = created_at_field()
