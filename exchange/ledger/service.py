"""The ledger: booking a confirmed proposal (four entries, one correlation key) and reading an
account. Entries are append-only; balances are sums, never a stored column.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from exchange.errors import NotFound
from exchange.identity.actor import Actor, require_country_visible
from exchange.ledger.schemas import Balances
from exchange.ledger.tables import LedgerEntry
from exchange.paging import page_by_id
from exchange.proposals.tables import Proposal
from exchange.reference.tables import Country

KINDS = ("workers_out", "workers_in", "benefit_receivable", "benefit_payable")


def book_proposal(*, session: Session, proposal: Proposal) -> list[LedgerEntry]:
    """The four entries of a placed proposal (the caller checked that it fits its postings)."""
    assert proposal.id is not None
    key = f"round-{proposal.round_id}-proposal-{proposal.id}"
    n = proposal.count
    benefit = n * proposal.benefit_usd_per_worker
    rows = [
        (proposal.origin, proposal.destination, "workers_out", -n),
        (proposal.destination, proposal.origin, "workers_in", n),
        (proposal.origin, proposal.destination, "benefit_receivable", benefit),
        (proposal.destination, proposal.origin, "benefit_payable", -benefit),
    ]
    entries = [
        LedgerEntry(
            correlation_key=key,
            round_id=proposal.round_id,
            proposal_id=proposal.id,
            country=country,
            counterparty=counterparty,
            cadre=proposal.cadre,
            kind=kind,
            amount=amount,
        )
        for country, counterparty, kind, amount in rows
    ]
    session.add_all(entries)
    return entries


def balances(*, session: Session, country: str | None = None) -> Balances:
    """Sums by kind of one country's entries (or of every entry: then each pair sums to zero)."""
    query = select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount), 0)).group_by(
        LedgerEntry.kind
    )
    if country is not None:
        query = query.where(LedgerEntry.country == country)
    sums = {kind: int(total) for kind, total in session.exec(query).all()}
    return Balances(**{k: sums.get(k, 0) for k in KINDS})


def get_ledger(
    *,
    session: Session,
    actor: Actor,
    country: str,
    round_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[LedgerEntry], int, Balances]:
    """A page of a country's entries, their total, and the account's balances.

    Its focal point, planners, viewers and admins may read it; another focal point gets 404.
    """
    code = country.upper()
    require_country_visible(actor, code, f"ledger of {code}")
    if session.get(Country, code) is None:
        raise NotFound(f"country {code} not found")
    conditions = [col(LedgerEntry.country) == code]
    if round_id is not None:
        conditions.append(col(LedgerEntry.round_id) == round_id)
    if kind:
        conditions.append(col(LedgerEntry.kind) == kind)
    rows, total = page_by_id(session, LedgerEntry, conditions, limit=limit, offset=offset)
    return rows, total, balances(session=session, country=code)
