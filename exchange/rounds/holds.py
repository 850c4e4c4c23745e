"""The postings a live round holds: a posting sits in at most one live round that is ``running``
or ``proposed`` (API.md, "Live and what-if rounds").

Running a live round records every posting of its snapshot in ``round_postings``, after checking
that no other live round running or proposed holds one of them; the check and the record happen
under one lock (PostgreSQL: a transaction-level advisory lock; SQLite: the write lock every
transaction takes as it begins), so two runs of overlapping rounds cannot both pass. A round that
closes or fails releases its postings by its status alone: nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from exchange.codes import PostingSide, RoundKind, RoundStatus
from exchange.errors import Conflict
from exchange.rounds.tables import Round, RoundPosting

HOLDING = (RoundStatus.RUNNING, RoundStatus.PROPOSED)
ADVISORY_LOCK = 0x68726878  # "hrhx": serialises the holds' check-then-record on PostgreSQL
SHOWN = 5


def _postings(scenario: dict[str, Any]) -> list[tuple[PostingSide, str]]:
    return [(PostingSide.DEPOSIT, d["id"]) for d in scenario["deposits"]] + [
        (PostingSide.WITHDRAWAL, w["id"]) for w in scenario["withdrawals"]
    ]


def hold(*, session: Session, round_id: int, scenario: dict[str, Any]) -> None:
    """Record the postings of live round ``round_id``'s snapshot; ``Conflict`` naming the live
    round (and the postings) that holds any of them already (nothing is recorded then: the
    caller's transaction rolls back)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    session.execute(delete(RoundPosting).where(col(RoundPosting.round_id) == round_id))  # a rerun
    rows = [{"round_id": round_id, "side": s, "posting_id": p} for s, p in _postings(scenario)]
    if rows:
        session.execute(insert(RoundPosting), rows)
    mine = aliased(RoundPosting)
    clashes = session.exec(
        select(RoundPosting.round_id, RoundPosting.side, RoundPosting.posting_id)
        .join(
            mine,
            (col(mine.side) == col(RoundPosting.side))
            & (col(mine.posting_id) == col(RoundPosting.posting_id)),
        )
        .join(Round, col(Round.id) == col(RoundPosting.round_id))
        .where(
            col(mine.round_id) == round_id,
            col(RoundPosting.round_id) != round_id,
            col(Round.kind) == RoundKind.LIVE,
            col(Round.status).in_([s.value for s in HOLDING]),
        )
        .order_by(col(RoundPosting.round_id), col(RoundPosting.side), col(RoundPosting.posting_id))
    ).all()
    if clashes:
        other = clashes[0][0]
        named = [f"{side} {p}" for r, side, p in clashes if r == other]
        more = f" and {len(named) - SHOWN} more" if len(named) > SHOWN else ""
        raise Conflict(
            f"live round {other} (running or proposed) already holds {len(named)} of this "
            f"round's postings: {', '.join(named[:SHOWN])}{more}; close it, or narrow this "
            "round with countries or cadres"
        )
