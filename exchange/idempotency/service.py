"""Idempotency keys of POSTs: claim a key before the work, complete it with the response.

A key is scoped to the caller and the route. ``claim`` inserts it as ``in_progress`` (the caller
commits that at once, so a concurrent request with the same key sees it); the response is stored
by ``complete`` in the same transaction as the write it answers, so a key is ``done`` exactly when
its write is durable. A key older than 24 hours is forgotten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from exchange.errors import Conflict, InvalidInput, Problem
from exchange.idempotency.tables import IdempotencyKey
from exchange.timestamps import as_utc, utcnow

TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Replay:
    """The first response given to a key."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def body_hash(body: Any) -> str:
    """A stable hash of a request body (canonical JSON)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim(*, session: Session, scope: str, key: str, digest: str) -> Replay | None:
    """Claim ``key``: None when it is new (go ahead), a ``Replay`` when it was already answered.

    The same key with another body is ``InvalidInput``; the same key still in progress is
    ``Conflict``. Runs in a savepoint, so a lost insert race does not spoil the transaction.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            [Problem(("header", "Idempotency-Key"), f"1 to {MAX_KEY_LENGTH} characters")]
        )
    existing = session.get(IdempotencyKey, (scope, key))
    if existing is not None and as_utc(existing.created_at) < utcnow() - TTL:
        session.delete(existing)
        session.flush()
        existing = None
    if existing is None:
        try:
            with session.begin_nested():
                session.add(IdempotencyKey(scope=scope, key=key, body_hash=digest))
            return None
        except IntegrityError:
            existing = session.get(IdempotencyKey, (scope, key), populate_existing=True)
            if existing is None:  # pragma: no cover - deleted in between
                raise Conflict("idempotency key in use; retry") from None
    if existing.body_hash != digest:
        raise InvalidInput(
            [Problem(("header", "Idempotency-Key"), "this key was used with another body")],
            detail="the Idempotency-Key was already used with a different request body",
        )
    if existing.state != "done" or existing.response_status is None:
        raise Conflict("a request with this Idempotency-Key is still in progress")
    return Replay(
        status=existing.response_status,
        body=existing.response_body or {},
        headers=existing.response_headers or {},
    )


def complete(
    *,
    session: Session,
    scope: str,
    key: str,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
) -> None:
    """Store the response of a claimed key (in the transaction of the write it answers)."""
    session.execute(
        update(IdempotencyKey)
        .where(col(IdempotencyKey.scope) == scope, col(IdempotencyKey.key) == key)
        .values(state="done", response_status=status, response_body=body, response_headers=headers)
    )


def release(*, session: Session, scope: str, key: str) -> None:
    """Forget a claimed key whose request failed, so that it can be retried."""
    session.execute(
        delete(IdempotencyKey).where(
            col(IdempotencyKey.scope) == scope,
            col(IdempotencyKey.key) == key,
            col(IdempotencyKey.state) == "in_progress",
        )
    )
