"""Answer deadlines: a live round's ``answer_by`` passes, and its proposals still waiting for an
answer expire, by the exchange itself (audited with the actor ``system``). The round stays
``proposed``: the planner still closes it, booking what was confirmed in time.

Round workers call ``expire_overdue`` between jobs, so every server enforces the deadlines; the
expiry is one conditional bulk update per status, so two servers doing it at once expire each
proposal once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from exchange.audit.service import record_system_event
from exchange.codes import ProposalStatus, RoundKind, RoundStatus
from exchange.db import session_scope
from exchange.proposals.lifecycle import OPEN
from exchange.proposals.service import expire_open
from exchange.proposals.tables import Proposal
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow

log = logging.getLogger("hrhx.rounds")


def expire_overdue(engine: Engine, now: datetime | None = None) -> list[int]:
    """Expire the open proposals of every live proposed round whose ``answer_by`` has passed;
    the rounds where some expired."""
    now = now or utcnow()
    with session_scope(engine) as session:
        due = session.exec(
            select(Round.id, Round.answer_by)
            .where(
                col(Round.kind) == RoundKind.LIVE,
                col(Round.status) == RoundStatus.PROPOSED,
                col(Round.answer_by).is_not(None),
                col(Round.answer_by) < now,
            )
            .where(
                select(Proposal.id)
                .where(
                    col(Proposal.round_id) == col(Round.id),
                    col(Proposal.status).in_([s.value for s in OPEN]),
                )
                .exists()
            )
        ).all()
    expired_in: list[int] = []
    for round_id, answer_by in due:
        assert round_id is not None
        assert answer_by is not None
        when = f"by the round's answer deadline ({answer_by:%Y-%m-%d %H:%M} UTC)"
        with session_scope(engine) as session:
            n = expire_open(session=session, round_id=round_id, when=when)
            if n:
                record_system_event(
                    session=session,
                    action="proposals.expired",
                    entity="round",
                    entity_id=round_id,
                    after={"expired": n, "status": ProposalStatus.EXPIRED.value, "when": when},
                )
        if n:
            log.info("round %s: %s proposals expired %s", round_id, n, when)
            expired_in.append(round_id)
    return expired_in
