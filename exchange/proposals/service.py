"""Proposals: listing what a caller may see, and the accept/decline state machine of API.md.

    pending --origin accepts--> accepted_by_origin --destination accepts--> confirmed
    pending --destination accepts--> accepted_by_destination --origin accepts--> confirmed
    pending | accepted_by_* --either declines--> declined

Answers to one proposal take turns: the round is read with a share lock (so that no answer slips
past a concurrent close) and then the proposal with an update lock (PostgreSQL; on SQLite every
write transaction is serialised anyway), and each answer is judged on the state the previous one
left. So the origin and the destination accepting at the same moment both succeed and confirm
the proposal, whereas the same side accepting twice, or an answer after a decline, is a 409: of
concurrent answers that would each end or repeat the same step, exactly one wins. The UPDATE is
still conditional on the version read, as a guard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from exchange.audit.service import record, snapshot
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, sides_of
from exchange.paging import page_by_id
from exchange.proposals.tables import Proposal
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

OPEN = ("pending", "accepted_by_origin", "accepted_by_destination")


def _visible(actor: Actor, proposal: Proposal) -> bool:
    return not actor.is_focal_point or actor.country in (proposal.origin, proposal.destination)


def get_proposal(*, session: Session, actor: Actor, proposal_id: int) -> Proposal:
    """A proposal; 404 for a focal point of a country not party to it."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not _visible(actor, proposal):
        raise NotFound(f"proposal {proposal_id} not found")
    return proposal


def list_proposals(
    *,
    session: Session,
    actor: Actor,
    round_id: int | None = None,
    status: str | None = None,
    country: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Proposal], int]:
    """A page of proposals the caller may see (focal points: their country's), and the total."""
    if round_id is not None and session.get(Round, round_id) is None:
        raise NotFound(f"round {round_id} not found")
    conditions: list[Any] = []
    if round_id is not None:
        conditions.append(col(Proposal.round_id) == round_id)
    if status:
        conditions.append(col(Proposal.status) == status)
    if country:
        code = country.upper()
        conditions.append(or_(col(Proposal.origin) == code, col(Proposal.destination) == code))
    if actor.is_focal_point:
        conditions.append(
            or_(col(Proposal.origin) == actor.country, col(Proposal.destination) == actor.country)
        )
    return page_by_id(session, Proposal, conditions, limit=limit, offset=offset)


def _acting_sides(actor: Actor, proposal: Proposal, side: str | None) -> list[str]:
    allowed = sides_of(actor, proposal.origin, proposal.destination)
    if not allowed:
        raise Forbidden(f"role {actor.role!r} may not answer proposals")
    if side is not None:
        if side not in allowed:
            raise Forbidden(f"you may not answer for the {side} side of this proposal")
        return [side]
    return allowed


def _lock_round_open(session: Session, round_id: int) -> None:
    rnd = session.exec(select(Round).where(Round.id == round_id).with_for_update(read=True)).one()
    if rnd.status != "proposed":
        raise Conflict(f"round {round_id} is {rnd.status}; its proposals can no longer change")


def _lock_proposal(session: Session, proposal_id: int) -> Proposal:
    """The proposal as last committed, locked until this transaction ends (answers take turns)."""
    statement = (
        select(Proposal)
        .where(col(Proposal.id) == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).one()


def _transition(
    session: Session, actor: Actor, proposal: Proposal, action: str, values: dict[str, Any]
) -> Proposal:
    before = snapshot(proposal)
    changed = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.version) == proposal.version)
        .values(**values, version=proposal.version + 1, updated_at=utcnow())
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"proposal {proposal.id} was answered meanwhile; read it again")
    session.flush()
    session.refresh(proposal)
    assert proposal.id is not None
    record(
        session=session,
        actor=actor,
        action=f"proposal.{action}",
        entity="proposal",
        entity_id=proposal.id,
        before=before,
        after=snapshot(proposal),
    )
    return proposal


def accept_proposal(
    *, session: Session, actor: Actor, proposal_id: int, side: str | None = None
) -> Proposal:
    """Accept for the caller's side (an admin without ``side`` accepts for both remaining)."""
    proposal = get_proposal(session=session, actor=actor, proposal_id=proposal_id)
    sides = _acting_sides(actor, proposal, side)
    _lock_round_open(session, proposal.round_id)
    proposal = _lock_proposal(session, proposal_id)
    accepted = {
        "origin": proposal.origin_accepted_at is not None,
        "destination": proposal.destination_accepted_at is not None,
    }
    if proposal.status not in OPEN:
        raise Conflict(f"proposal {proposal_id} is {proposal.status}")
    todo = [s for s in sides if not accepted[s]]
    if not todo:
        raise Conflict(f"proposal {proposal_id} was already accepted by the {'/'.join(sides)}")
    now = utcnow()
    values: dict[str, Any] = {}
    for s in todo:
        accepted[s] = True
        values[f"{s}_accepted_at"] = now
    if accepted["origin"] and accepted["destination"]:
        values["status"] = "confirmed"
    else:
        values["status"] = "accepted_by_origin" if accepted["origin"] else "accepted_by_destination"
    return _transition(session, actor, proposal, "accept", values)


def decline_proposal(
    *, session: Session, actor: Actor, proposal_id: int, side: str | None = None
) -> Proposal:
    """Decline for the caller's side: the proposal is ``declined`` and not proposed again."""
    proposal = get_proposal(session=session, actor=actor, proposal_id=proposal_id)
    sides = _acting_sides(actor, proposal, side)
    _lock_round_open(session, proposal.round_id)
    proposal = _lock_proposal(session, proposal_id)
    if proposal.status not in OPEN:
        raise Conflict(f"proposal {proposal_id} is {proposal.status}")
    if len(sides) > 1:
        by = "admin"
    else:
        by = sides[0]
    return _transition(
        session,
        actor,
        proposal,
        "decline",
        {"status": "declined", "declined_by": by, "declined_at": utcnow()},
    )


def check_side(side: str | None) -> None:
    """Refuse an unknown side name."""
    if side is not None and side not in ("origin", "destination"):
        raise InvalidInput([Problem(("side",), "origin or destination")])
