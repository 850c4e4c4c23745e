"""Pydantic shapes of the ledger: entries and balances of a country's account."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel


class LedgerEntryPublic(SQLModel):
    """One signed movement on a country's account."""

    id: int
    correlation_key: str
    round_id: int
    proposal_id: int
    payment_id: int | None = None
    country: str
    counterparty: str
    cadre: str
    kind: str
    amount: int
    created_at: datetime


class Balances(SQLModel):
    """Sums of a country's entries by kind (workers placed out are negative, in positive)."""

    workers_out: int = 0
    workers_in: int = 0
    benefit_receivable: int = 0
    benefit_payable: int = 0
    benefit_received: int = 0
    benefit_paid: int = 0


class Counterpart(SQLModel):
    """Health-system benefit between this country and one counterpart, in US dollars: promised by
    booked placements, delivered by recorded payments, and outstanding (promised - delivered).
    Positive amounts are owed to this country, negative ones by it."""

    country: str
    promised: int
    delivered: int
    outstanding: int


class LedgerPublic(SQLModel):
    """A country's account: a page of entries, their total count, and the balances of all."""

    country: str
    balances: Balances
    counterparts: list[Counterpart] = []
    data: list[LedgerEntryPublic]
    count: int
