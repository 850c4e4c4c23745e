"""The ``Idempotency-Key`` header of POSTs that create postings, one by one or imported from a
spreadsheet (see exchange.idempotency)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from api.deps import ActorDep, SessionDep
from exchange.idempotency import service


class Idempotency:
    """One request's idempotency key: replay a first response, or claim the key and complete it."""

    def __init__(self, session: Session, scope: str, key: str | None) -> None:
        self.session = session
        self.scope = scope
        self.key = key
        self.claimed = False
        self.completed = False

    def replay_or_claim(self, body: BaseModel | dict[str, Any]) -> JSONResponse | None:
        """The first response when the key was answered before; None when this request goes on.

        A new key is committed at once as ``in_progress`` so that a concurrent request with the
        same key gets 409 instead of creating a second object.
        """
        if self.key is None:
            return None
        payload = (
            body if isinstance(body, dict) else body.model_dump(mode="json", exclude_unset=True)
        )
        digest = service.body_hash(payload)
        replay = service.claim(session=self.session, scope=self.scope, key=self.key, digest=digest)
        if replay is not None:
            headers = {**replay.headers, "Idempotent-Replayed": "true"}
            return JSONResponse(replay.body, status_code=replay.status, headers=headers)
        self.session.commit()  # the claim is its own unit of work, visible to concurrent requests
        self.claimed = True
        return None

    def respond(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> JSONResponse:
        """The response, stored for replays (status, body and headers) in the transaction of the
        write it answers.
        """
        if self.key is not None and self.claimed:
            service.complete(
                session=self.session,
                scope=self.scope,
                key=self.key,
                status=status,
                body=body,
                headers=headers,
            )
            self.completed = True
        return JSONResponse(body, status_code=status, headers=headers)

    def release(self) -> None:
        """Forget the claim of a request that failed, so that the client can retry."""
        if self.key is None or not self.claimed or self.completed:
            return
        self.session.rollback()
        service.release(session=self.session, scope=self.scope, key=self.key)
        self.session.commit()


def get_idempotency(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Replays the first response for the same key and body within 24 hours"),
    ] = None,
) -> Iterator[Idempotency]:
    """The request's idempotency key, scoped to the caller and the route."""
    scope = f"user:{actor.user_id or actor.name}:{request.method} {request.url.path}"
    idem = Idempotency(session, scope, idempotency_key)
    try:
        yield idem
    except BaseException:
        idem.release()
        raise


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency, scope="function")]
