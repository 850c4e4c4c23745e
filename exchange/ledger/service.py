"""The ledger: booking a confirmed proposal (four entries, one correlation key) and reading an
account. Entries are append-only; balances are sums, never a stored column.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from exchange.errors import NotFound
from exchange.identity.actor import Actor, require_country_visible
from exchange.ledger.schemas import Balances, Counterpart
from exchange.ledger.tables import LedgerEntry
from exchange.paging import page_by_id
from exchange.placements.tables import Payment
from exchange.proposals.tables import Proposal
from exchange.reference.tables import Country

KINDS = (
    "workers_out",
    "workers_in",
    "benefit_receivable",
    "benefit_payable",
    "benefit_received",
    "benefit_paid",
)
PROMISED = ("benefit_receivable", "benefit_payable")
DELIVERED = ("benefit_received", "benefit_paid")


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


def book_payment(
    *,
    session: Session,
    placement_round: int,
    proposal_id: int,
    payment: Payment,
    origin: str,
    destination: str,
    cadre: str,
) -> list[LedgerEntry]:
    """The two entries of a payment: ``benefit_paid`` for the destination (negative) and
    ``benefit_received`` for the origin (positive), under the payment's own key."""
    assert payment.id is not None
    rows = [
        (origin, destination, "benefit_received", payment.amount_usd),
        (destination, origin, "benefit_paid", -payment.amount_usd),
    ]
    entries = [
        LedgerEntry(
            correlation_key=f"payment-{payment.id}",
            round_id=placement_round,
            proposal_id=proposal_id,
            payment_id=payment.id,
            country=country,
            counterparty=counterparty,
            cadre=cadre,
            kind=kind,
            amount=amount,
        )
        for country, counterparty, kind, amount in rows
    ]
    session.add_all(entries)
    return entries


def counterparts(*, session: Session, country: str) -> list[Counterpart]:
    """Per counterpart country: benefit promised, delivered and outstanding (signed from
    ``country``'s side: positive when owed to it)."""
    rows = session.exec(
        select(LedgerEntry.counterparty, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(
            LedgerEntry.country == country,
            col(LedgerEntry.kind).in_(PROMISED + DELIVERED),
        )
        .group_by(col(LedgerEntry.counterparty), col(LedgerEntry.kind))
    ).all()
    promised: dict[str, int] = {}
    delivered: dict[str, int] = {}
    for counterparty, kind, total in rows:
        into = promised if kind in PROMISED else delivered
        into[counterparty] = into.get(counterparty, 0) + int(total or 0)
    return [
        Counterpart(
            country=other,
            promised=promised.get(other, 0),
            delivered=delivered.get(other, 0),
            outstanding=promised.get(other, 0) - delivered.get(other, 0),
        )
        for other in sorted(set(promised) | set(delivered))
    ]


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
