"""A round's state machine: its transitions as one table, and the one function that moves a round.

    draft ----run----> running ---propose---> proposed ---close---> closed   (live rounds only)
    failed ---run----> running ----fail-----> failed

No other module writes a round's ``status``. A move is one conditional ``UPDATE`` (the round must
be in one of the transition's sources, plus any condition the caller adds, such as a worker's
lease); it moves the round's version, records the status event, and either changes exactly one
row or changes nothing: ``move`` then raises ``Conflict`` naming the round's state, ``try_move``
returns False (a worker whose lease was lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, select
from sqlmodel import Session, col

from exchange.codes import RoundKind, RoundStatus
from exchange.errors import Conflict
from exchange.rounds.events import add_status_event
from exchange.rounds.tables import Round
from exchange.versions import versioned_update


class Step(StrEnum):
    """The transitions of a round."""

    RUN = "run"
    PROPOSE = "propose"
    FAIL = "fail"
    CLOSE = "close"


ALL_KINDS = frozenset(RoundKind)


@dataclass(frozen=True)
class Transition:
    """Which statuses a step leaves from, the status it reaches, how to say it in an error, and
    which kinds of round may take it."""

    sources: frozenset[RoundStatus]
    target: RoundStatus
    verb: str
    kinds: frozenset[RoundKind] = ALL_KINDS


TRANSITIONS: dict[Step, Transition] = {
    Step.RUN: Transition(
        frozenset({RoundStatus.DRAFT, RoundStatus.FAILED}), RoundStatus.RUNNING, "run"
    ),
    Step.PROPOSE: Transition(
        frozenset({RoundStatus.RUNNING}), RoundStatus.PROPOSED, "receive proposals"
    ),
    Step.FAIL: Transition(frozenset({RoundStatus.RUNNING}), RoundStatus.FAILED, "fail"),
    Step.CLOSE: Transition(
        frozenset({RoundStatus.PROPOSED}),
        RoundStatus.CLOSED,
        "be closed",
        frozenset({RoundKind.LIVE}),  # a what-if books nothing
    ),
}


def can(step: Step, status: str, kind: str = RoundKind.LIVE) -> bool:
    """Whether a round of ``kind`` in ``status`` may take ``step``."""
    transition = TRANSITIONS[step]
    return status in transition.sources and kind in transition.kinds


def require(step: Step, round_id: int, status: str, kind: str = RoundKind.LIVE) -> None:
    """``Conflict`` naming the state unless a round of ``kind`` in ``status`` may take ``step``."""
    if can(step, status, kind):
        return
    transition = TRANSITIONS[step]
    if kind not in transition.kinds:
        raise Conflict(
            f"round {round_id} is a {kind.replace('_', '-')} round; it cannot {transition.verb}"
        )
    allowed = " or ".join(sorted(s.value for s in transition.sources))
    raise Conflict(f"round {round_id} is {status}; only a {allowed} round can {transition.verb}")


def try_move(
    session: Session,
    round_id: int,
    step: Step,
    *,
    where: tuple[ColumnElement[bool], ...] = (),
    values: dict[str, Any] | None = None,
    event: str | None = None,
) -> bool:
    """Move round ``round_id`` by ``step`` if it is in one of the step's sources and ``where``
    holds, setting ``values`` too; records the status event (``event``, or the new status).
    False when nothing changed."""
    transition = TRANSITIONS[step]
    statement = versioned_update(
        Round,
        col(Round.id) == round_id,
        col(Round.status).in_([s.value for s in transition.sources]),
        col(Round.kind).in_([k.value for k in transition.kinds]),
        *where,
    ).values(status=transition.target, **(values or {}))
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    if result.rowcount != 1:
        return False
    add_status_event(session, round_id, event or transition.target.value)
    return True


def move(
    session: Session,
    round_id: int,
    step: Step,
    *,
    where: tuple[ColumnElement[bool], ...] = (),
    values: dict[str, Any] | None = None,
    event: str | None = None,
) -> None:
    """``try_move``, raising ``Conflict`` (naming the round's status) when the round could not
    move: it is in the wrong state, or changed meanwhile."""
    if try_move(session, round_id, step, where=where, values=values, event=event):
        return
    row = session.execute(
        select(col(Round.status), col(Round.kind)).where(col(Round.id) == round_id)
    ).first()
    if row is None:
        raise Conflict(f"round {round_id} does not exist")
    require(step, round_id, str(row[0]), str(row[1]))
    raise Conflict(f"round {round_id} changed meanwhile; read it again")
