"""The safeguards list in force at a month: which edition, which countries, and the refusal of a
month before the earliest recorded edition.

A country is safeguard-listed at month ``m`` when the latest edition valid from ``m`` or before
lists it (on a tie of months, the greatest edition id). Before the earliest recorded edition
nobody can be said to be listed or not, so such a month is refused with a problem naming the
field and the earliest edition's month, never answered with an empty list (a round as of such a
month would otherwise relocate workers out of listed countries). An exchange with no edition at
all (reference data not loaded) lists nobody at any month: there is nothing to be before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from exchange.errors import InvalidInput, Problem
from exchange.reference.tables import SafeguardEdition, SafeguardListing
from exchange.reference.validation import MONTH_RE
from exchange.timestamps import current_month


@dataclass(frozen=True)
class ListingAt:
    """The safeguards list at one month: the edition in force (None when the exchange records no
    edition at all) and the countries it lists."""

    month: str
    edition: str | None
    countries: frozenset[str]


def _in_force(month: str) -> Any:
    """The id of the edition in force at ``month``, as a scalar subquery."""
    return (
        select(SafeguardEdition.edition)
        .where(SafeguardEdition.valid_from <= month)
        .order_by(col(SafeguardEdition.valid_from).desc(), col(SafeguardEdition.edition).desc())
        .limit(1)
        .scalar_subquery()
    )


def edition_in_force(*, session: Session, as_of: str | None = None) -> SafeguardEdition | None:
    """The edition in force at ``as_of`` (default: this month); None before the earliest."""
    in_force = _in_force(as_of or current_month())
    return session.exec(
        select(SafeguardEdition).where(SafeguardEdition.edition == in_force)
    ).first()


def earliest_edition(*, session: Session) -> SafeguardEdition | None:
    """The edition with the earliest ``valid_from``; None when no edition is recorded."""
    return session.exec(
        select(SafeguardEdition).order_by(
            col(SafeguardEdition.valid_from), col(SafeguardEdition.edition)
        )
    ).first()


def listing_at(
    *, session: Session, as_of: str | None = None, field: tuple[str, ...] = ("as_of",)
) -> ListingAt:
    """The edition in force at ``as_of`` (default: this month) and the countries it lists.

    ``InvalidInput`` at ``field`` when ``as_of`` is not ``YYYY-MM`` or is before the earliest
    recorded edition."""
    month = as_of or current_month()
    if not MONTH_RE.match(month):
        raise InvalidInput([Problem(field, f"month must be YYYY-MM, got {month!r}")])
    edition = edition_in_force(session=session, as_of=month)
    if edition is None:
        earliest = earliest_edition(session=session)
        if earliest is None:
            return ListingAt(month, None, frozenset())
        raise InvalidInput([Problem(field, before_earliest(month, earliest))])
    statement = select(SafeguardListing.country).where(SafeguardListing.edition == edition.edition)
    return ListingAt(month, edition.edition, frozenset(session.exec(statement)))


def before_earliest(month: str, earliest: SafeguardEdition) -> str:
    """Why ``month`` is refused: it is before the earliest recorded edition."""
    return (
        f"{month} is before the earliest recorded edition of the WHO safeguards list"
        f" ({earliest.edition}, in force from {earliest.valid_from}): who was listed then is not"
        f" recorded; use {earliest.valid_from} or later"
    )
