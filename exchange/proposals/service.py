"""Proposals: created for a solved round, listed for whoever may see them, answered by the two
countries, and settled when their round closes. This is the only module that writes proposals;
their transitions are the tables of ``exchange.proposals.lifecycle``.

Answers to one proposal take turns: the round is read with a share lock (so that no answer slips
past a concurrent close) and then the proposal with an update lock (PostgreSQL; on SQLite every
write transaction is serialised anyway), and each answer is judged on the state the previous one
left. So the origin and the destination accepting at the same moment both succeed and confirm
the proposal, whereas the same side accepting twice, or an answer after a decline, is a 409: of
concurrent answers that would each end or repeat the same step, exactly one wins. The UPDATE is
still conditional on the version read, as a guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import literal
from sqlmodel import Session, col, or_, select

from exchange.audit.service import record, snapshot
from exchange.codes import DeclineReason, ProposalStatus, RoundKind, RoundStatus
from exchange.db import driver_value, insert_many, json_dumps
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from exchange.gc_pause import gc_paused
from exchange.identity.actor import Actor, sides_of
from exchange.paging import page_by_id
from exchange.proposals.lifecycle import OPEN, Side, Step, accepted_by, move_by_step, move_one
from exchange.proposals.lifecycle import move_all as _move_all
from exchange.proposals.tables import Proposal
from exchange.rounds.solving import MatchRow
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

PROPOSAL_COLUMNS = (
    "round_id",
    "deposit_id",
    "withdrawal_id",
    "origin",
    "destination",
    "cadre",
    "count",
    "benefit_usd_per_worker",
    "language_training_months",
    "agreement_id",
    "basis",
    "status",
    "version",
    "created_at",
)


def create_for_round(
    *, session: Session, round_id: int, scenario: dict[str, Any], rows: Sequence[MatchRow]
) -> int:
    """One pending proposal per match of a solved round, in one bulk insert; how many.

    A round at size M proposes hundreds of matches; nothing reads them back here, so they go to
    the driver as plain tuples (``insert_many``) rather than as ORM objects.
    """
    deposits = {d["id"]: d for d in scenario["deposits"]}
    withdrawals = {w["id"]: w for w in scenario["withdrawals"]}
    connection = session.connection()
    table = Proposal.__table__  # type: ignore[attr-defined]
    created_at = driver_value(connection, table, "created_at", utcnow())
    with gc_paused():  # a row per match: acyclic bulk data (exchange.gc_pause)
        proposals = [
            (
                round_id,
                deposit_id,
                withdrawal_id,
                deposits[deposit_id]["country"],
                withdrawals[withdrawal_id]["country"],
                deposits[deposit_id]["cadre"],
                count,
                benefit,
                months,
                agreement_id,
                json_dumps(basis) if basis is not None else None,
                ProposalStatus.PENDING.value,
                1,
                created_at,
            )
            for deposit_id, withdrawal_id, count, benefit, months, agreement_id, basis in rows
        ]
        insert_many(connection, table, PROPOSAL_COLUMNS, proposals)
    return len(proposals)


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


def _acting_sides(actor: Actor, proposal: Proposal, side: str | None) -> list[Side]:
    allowed = [Side(s) for s in sides_of(actor, proposal.origin, proposal.destination)]
    if not allowed:
        raise Forbidden(f"role {actor.role!r} may not answer proposals")
    if side is not None:
        if side not in allowed:
            raise Forbidden(f"you may not answer for the {side} side of this proposal")
        return [Side(side)]
    return allowed


def _lock_round_open(session: Session, round_id: int) -> None:
    rnd = session.exec(select(Round).where(Round.id == round_id).with_for_update(read=True)).one()
    if rnd.kind == RoundKind.WHAT_IF:
        raise Conflict(
            f"round {round_id} is a what-if round: its proposals show what a policy would do "
            "and cannot be accepted or declined"
        )
    if rnd.status != RoundStatus.PROPOSED:
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


def _answered(
    session: Session, actor: Actor, proposal: Proposal, action: str, moved: bool
) -> Proposal:
    """After an answer's move: 409 if the proposal changed meanwhile, else the audited row."""
    if not moved:
        raise Conflict(f"proposal {proposal.id} was answered meanwhile; read it again")
    before = snapshot(proposal)
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
    if proposal.status not in OPEN:
        raise Conflict(f"proposal {proposal_id} is {proposal.status}")
    accepted = {
        Side.ORIGIN: proposal.origin_accepted_at is not None,
        Side.DESTINATION: proposal.destination_accepted_at is not None,
    }
    todo = [s for s in sides if not accepted[s]]
    target = accepted_by(proposal.status, todo) if todo else None
    if target is None:
        raise Conflict(f"proposal {proposal_id} was already accepted by the {'/'.join(sides)}")
    now = utcnow()
    values = {f"{s.value}_accepted_at": now for s in todo}
    moved = move_one(session, proposal, target, values)
    return _answered(session, actor, proposal, "accept", moved)


def decline_proposal(
    *,
    session: Session,
    actor: Actor,
    proposal_id: int,
    side: str | None = None,
    reason: DeclineReason | None = None,
    note: str | None = None,
) -> Proposal:
    """Decline for the caller's side (with a reason and a note, if given): the proposal is
    ``declined`` and not proposed again."""
    proposal = get_proposal(session=session, actor=actor, proposal_id=proposal_id)
    sides = _acting_sides(actor, proposal, side)
    _lock_round_open(session, proposal.round_id)
    proposal = _lock_proposal(session, proposal_id)
    if proposal.status not in OPEN:
        raise Conflict(f"proposal {proposal_id} is {proposal.status}")
    by = "admin" if len(sides) > 1 else sides[0].value
    values = {
        "declined_by": by,
        "declined_at": utcnow(),
        "decline_reason": reason,
        "decline_note": note,
    }
    moved = move_by_step(session, proposal, Step.DECLINE, values)
    return _answered(session, actor, proposal, "decline", moved)


def check_side(side: str | None) -> None:
    """Refuse an unknown side name."""
    if side is not None and side not in tuple(Side):
        raise InvalidInput([Problem(("side",), "origin or destination")])


def confirmed_of_round(*, session: Session, round_id: int) -> list[Proposal]:
    """The confirmed proposals of a round, in id order, to settle at close."""
    return list(
        session.exec(
            select(Proposal)
            .where(Proposal.round_id == round_id, Proposal.status == ProposalStatus.CONFIRMED)
            .order_by(col(Proposal.id))
        ).all()
    )


def mark_booked(*, session: Session, proposal: Proposal) -> None:
    """A confirmed proposal booked at close (it stays ``confirmed``; its note says so)."""
    if not move_by_step(session, proposal, Step.BOOK, {"close_note": "booked"}):
        raise Conflict(f"proposal {proposal.id} changed while its round closed")


def reject_at_close(*, session: Session, proposal: Proposal, reason: str) -> None:
    """A confirmed proposal that no longer fits its postings at close."""
    if not move_by_step(session, proposal, Step.REJECT_AT_CLOSE, {"close_note": reason}):
        raise Conflict(f"proposal {proposal.id} changed while its round closed")


def _unanswered(when: str) -> dict[ProposalStatus, Any]:
    """Why an open proposal expires, by the status it was left in (SQL text expressions: the
    note names the side that had not answered)."""
    return {
        ProposalStatus.PENDING: literal(f"neither side had accepted {when}"),
        ProposalStatus.ACCEPTED_BY_ORIGIN: literal("the destination (")
        + col(Proposal.destination)
        + literal(f") had not accepted {when}"),
        ProposalStatus.ACCEPTED_BY_DESTINATION: literal("the origin (")
        + col(Proposal.origin)
        + literal(f") had not accepted {when}"),
    }


def expire_open(*, session: Session, round_id: int, when: str = "when the round closed") -> int:
    """Expire every proposal of the round still waiting for an answer (one statement per
    status, each with its note); how many expired."""
    return sum(
        _move_all(session, round_id, Step.EXPIRE, status, {"close_note": note})
        for status, note in _unanswered(when).items()
    )
