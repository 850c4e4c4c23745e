"""Closing a live round, in one unit of work: book confirmed proposals that still fit (ledger
entries and a placement each), reject those that no longer do (reported), expire the rest,
close the round. A what-if round cannot be closed (``exchange.rounds.lifecycle``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from exchange.audit.service import record, snapshot
from exchange.identity.actor import Actor, require_role
from exchange.ledger.service import book_proposal
from exchange.placements.service import place
from exchange.postings.tables import Deposit, Withdrawal
from exchange.proposals import service as proposals
from exchange.rounds import documents
from exchange.rounds.lifecycle import Step, move, require
from exchange.rounds.schemas import CloseReport, RejectedAtClose
from exchange.rounds.service import get_round
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow
from exchange.versions import next_version


def _misfit(posting: Deposit | Withdrawal | None, count: int, what: str) -> str | None:
    if posting is None:
        return f"{what} no longer exists"
    if posting.status == "withdrawn":
        return f"{what} {posting.id} was withdrawn"
    if posting.remaining < count:
        return f"{what} {posting.id} has {posting.remaining} remaining, {count} needed"
    return None


def _take(session: Session, actor: Actor, posting: Deposit | Withdrawal, count: int) -> None:
    before = snapshot(posting)
    posting.remaining -= count
    if posting.remaining == 0:
        posting.status = "filled"
    next_version(posting)
    session.add(posting)
    kind = "deposit" if isinstance(posting, Deposit) else "withdrawal"
    record(
        session=session,
        actor=actor,
        action=f"{kind}.placed",
        entity=kind,
        entity_id=posting.id,
        before=before,
        after=snapshot(posting),
    )


def close_round(*, session: Session, actor: Actor, round_id: int) -> tuple[Round, CloseReport]:
    """Close a proposed round (planners); closing twice, or a round not proposed, is 409."""
    require_role(actor, "planner")
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(Step.CLOSE, round_id, rnd.status, rnd.kind)
    before = snapshot(rnd)
    move(session, round_id, Step.CLOSE, values={"closed_at": utcnow()})
    scenario = documents.get(session, round_id, "scenario") or {}
    booked: list[int] = []
    rejected: list[RejectedAtClose] = []
    entries = 0
    for proposal in proposals.confirmed_of_round(session=session, round_id=round_id):
        assert proposal.id is not None
        deposit = session.exec(
            select(Deposit).where(Deposit.id == proposal.deposit_id).with_for_update()
        ).first()
        withdrawal = session.exec(
            select(Withdrawal).where(Withdrawal.id == proposal.withdrawal_id).with_for_update()
        ).first()
        reason = _misfit(deposit, proposal.count, "deposit") or _misfit(
            withdrawal, proposal.count, "withdrawal"
        )
        if reason is None and deposit is not None and withdrawal is not None:
            _take(session, actor, deposit, proposal.count)
            _take(session, actor, withdrawal, proposal.count)
            entries += len(book_proposal(session=session, proposal=proposal))
            place(session=session, proposal=proposal, scenario=scenario)
            proposals.mark_booked(session=session, proposal=proposal)
            booked.append(proposal.id)
        else:
            reason = reason or "postings missing"
            proposals.reject_at_close(session=session, proposal=proposal, reason=reason)
            rejected.append(
                RejectedAtClose(
                    proposal_id=proposal.id,
                    deposit_id=proposal.deposit_id,
                    withdrawal_id=proposal.withdrawal_id,
                    count=proposal.count,
                    reason=reason,
                )
            )
    expired = proposals.expire_open(session=session, round_id=round_id)
    report = CloseReport(
        round_id=round_id,
        booked=booked,
        rejected_at_close=rejected,
        expired=expired,
        ledger_entries=entries,
    )
    report_json: dict[str, Any] = report.model_dump(mode="json")
    session.execute(update(Round).where(col(Round.id) == round_id).values(close_report=report_json))
    session.flush()
    session.refresh(rnd)
    record(
        session=session,
        actor=actor,
        action="round.close",
        entity="round",
        entity_id=round_id,
        before=before,
        after={"status": rnd.status, "close_report": report_json},
    )
    return rnd, report
