"""A proposal's state machine: its transitions as tables, and the functions that move proposals.

    pending --origin accepts--> accepted_by_origin --destination accepts--> confirmed
    pending --destination accepts--> accepted_by_destination --origin accepts--> confirmed
    pending | accepted_by_* --either declines--> declined
    pending | accepted_by_* --the round closes unanswered--> expired
    confirmed --its postings no longer fit at close--> rejected_at_close

Only ``exchange.proposals.service`` calls these; every move is a conditional ``UPDATE`` that also
moves the proposal's version (``exchange.versions.versioned_update``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import CursorResult
from sqlmodel import Session, col

from exchange.codes import ProposalStatus
from exchange.proposals.tables import Proposal
from exchange.timestamps import utcnow
from exchange.versions import versioned_update

Status = ProposalStatus


class Side(StrEnum):
    """The two countries a proposal concerns."""

    ORIGIN = "origin"
    DESTINATION = "destination"


OPEN = frozenset({Status.PENDING, Status.ACCEPTED_BY_ORIGIN, Status.ACCEPTED_BY_DESTINATION})
"""Proposals still waiting for an answer."""

ACCEPT: dict[tuple[Status, Side], Status] = {
    (Status.PENDING, Side.ORIGIN): Status.ACCEPTED_BY_ORIGIN,
    (Status.PENDING, Side.DESTINATION): Status.ACCEPTED_BY_DESTINATION,
    (Status.ACCEPTED_BY_DESTINATION, Side.ORIGIN): Status.CONFIRMED,
    (Status.ACCEPTED_BY_ORIGIN, Side.DESTINATION): Status.CONFIRMED,
}
"""One side's acceptance: from which status, by which side, to which status."""


class Step(StrEnum):
    """The transitions other than an acceptance."""

    DECLINE = "decline"
    EXPIRE = "expire"
    REJECT_AT_CLOSE = "reject_at_close"
    BOOK = "book"


TRANSITIONS: dict[Step, tuple[frozenset[Status], Status]] = {
    Step.DECLINE: (OPEN, Status.DECLINED),
    Step.EXPIRE: (OPEN, Status.EXPIRED),
    Step.REJECT_AT_CLOSE: (frozenset({Status.CONFIRMED}), Status.REJECTED_AT_CLOSE),
    Step.BOOK: (frozenset({Status.CONFIRMED}), Status.CONFIRMED),  # booked: stays confirmed
}
"""Each step: the statuses it leaves from and the status it reaches."""


def accepted_by(status: str, sides: Iterable[Side]) -> Status | None:
    """The status after ``sides`` accept a proposal in ``status`` (one after the other), or None
    when one of them cannot accept (already did, or the proposal is no longer open)."""
    current = Status(status)
    for side in sides:
        after = ACCEPT.get((current, side))
        if after is None:
            return None
        current = after
    return current


def move_one(session: Session, proposal: Proposal, target: Status, values: dict[str, Any]) -> bool:
    """Move ``proposal`` (at the version read) to ``target`` with ``values``; False when it was
    changed meanwhile."""
    statement = versioned_update(
        Proposal, col(Proposal.id) == proposal.id, col(Proposal.version) == proposal.version
    ).values(status=target, updated_at=utcnow(), **values)
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount == 1


def move_by_step(session: Session, proposal: Proposal, step: Step, values: dict[str, Any]) -> bool:
    """Move ``proposal`` by ``step`` if it is in one of the step's sources (False otherwise)."""
    sources, target = TRANSITIONS[step]
    if proposal.status not in sources:
        return False
    return move_one(session, proposal, target, values)


def move_all(
    session: Session, round_id: int, step: Step, source: Status, values: dict[str, Any]
) -> int:
    """Move every proposal of round ``round_id`` in ``source`` by ``step``, in one statement;
    how many moved."""
    sources, target = TRANSITIONS[step]
    assert source in sources, f"{step} does not leave from {source}"
    statement = versioned_update(
        Proposal, col(Proposal.round_id) == round_id, col(Proposal.status) == source.value
    ).values(status=target, updated_at=utcnow(), **values)
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount
