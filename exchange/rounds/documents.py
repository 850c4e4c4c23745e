"""A round's documents: its frozen snapshot (``scenario``) and the solver's ``result``.

Each is written once per run (a failed round run again gets a new snapshot and loses nothing
else) and read whole; they live apart from the round's row, which changes at every step. They are
stored as the text of their JSON, serialised once here (or by the solver's model) and parsed only
by whoever needs the dict; the database never parses them.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from exchange.db import json_dumps, json_loads
from exchange.rounds.tables import RoundDocument

Kind = Literal["scenario", "result"]

_DOCS = RoundDocument.__table__.c  # type: ignore[attr-defined]


def put(session: Session, round_id: int, kind: Kind, body: dict[str, Any] | str) -> None:
    """Store (or replace) a document; ``body`` as a dict, or as JSON text serialised already."""
    drop(session, round_id, kind)
    add(session, round_id, kind, body if isinstance(body, str) else json_dumps(body))


def add(session: Session, round_id: int, kind: Kind, text: str) -> None:
    """Store a document the round does not have (JSON text): one statement fewer than ``put``."""
    session.connection().execute(
        insert(RoundDocument).values(round_id=round_id, kind=kind, body=text)
    )


def get(session: Session, round_id: int, kind: Kind) -> dict[str, Any] | None:
    """A document of the round, or None if it has none of this kind."""
    text = get_text(session, round_id, kind)
    if text is None:
        return None
    body: dict[str, Any] = json_loads(text)
    return body


def get_text(session: Session, round_id: int, kind: Kind) -> str | None:
    """A document of the round as the JSON text stored, or None if it has none of this kind."""
    query = select(_DOCS.body).where(_DOCS.round_id == round_id, _DOCS.kind == kind)
    text: str | None = session.connection().execute(query).scalar()
    return text


def drop(session: Session, round_id: int, kind: Kind) -> None:
    """Remove a document (a round run again has no result until it is solved again)."""
    session.connection().execute(
        delete(RoundDocument).where(_DOCS.round_id == round_id, _DOCS.kind == kind)
    )
