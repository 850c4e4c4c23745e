"""A round's events (status changes and solver progress), written as plain rows.

The events stream (``GET /v1/rounds/{id}/events``) reads them in id order, so they are inserted in
the order given, in one statement, without building ORM objects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from exchange.rounds.tables import RoundEvent
from exchange.timestamps import utcnow


def event_row(
    round_id: int,
    kind: str,
    *,
    tier: str | None = None,
    incumbent: float | None = None,
    bound: float | None = None,
    elapsed_s: float | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """A row of ``round_events`` (for ``insert_events``)."""
    return {
        "round_id": round_id,
        "kind": kind,
        "tier": tier,
        "incumbent": incumbent,
        "bound": bound,
        "elapsed_s": elapsed_s,
        "message": message,
        "created_at": utcnow(),
    }


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert round events in the order given (one statement; no ORM objects)."""
    if rows:
        session.connection().execute(insert(RoundEvent.__table__), rows)  # type: ignore[attr-defined]


def add_status_event(session: Session, round_id: int, message: str) -> None:
    """Record a status change of a round (``running``, ``proposed``, ``closed``, ...)."""
    insert_events(session, [event_row(round_id, "status", message=message)])
