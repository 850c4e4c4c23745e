"""Rounds: create, run (202; solved by the round worker), watch, read, close."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.bodies import body_route, documented_as
from api.deps import ActorDep, EngineDep, PageDep, SessionDep, etag
from api.params import RoundId, country_query
from api.problems import errors
from api.routers.proposals import proposals_page
from exchange.bounds import ROW_MAX
from exchange.codes import ProposalStatus, RoundStatus
from exchange.errors import InvalidInput, Problem
from exchange.identity.actor import Actor
from exchange.proposals.schemas import ProposalsPublic
from exchange.rounds import compare, reading, service
from exchange.rounds.closing import close_round
from exchange.rounds.schemas import (
    CloseReport,
    RoundComparison,
    RoundCreate,
    RoundEventPublic,
    RoundPublic,
    RoundsPublic,
    WhatIfCreate,
)

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])

EVENT_POLL_S = 0.25
EVENT_KEEPALIVE_S = 15.0
"""After this long without an event, the stream sends a comment line (``: keep-alive``): a tier
can run for minutes without progress, and proxies and clients drop connections idle for a minute
(nginx's default read timeout is 60 s)."""


@router.post("", status_code=201, response_model=RoundPublic, responses=errors(401, 403, 422))
@body_route
def post_round(
    data: Annotated[dict[str, Any], documented_as(RoundCreate)],
    session: SessionDep,
    actor: ActorDep,
    response: Response,
) -> RoundPublic:
    """Create a round in status ``draft`` (planner)."""
    rnd = service.create_round(session=session, actor=actor, data=data)
    response.headers["ETag"] = etag(rnd.version)
    response.headers["Location"] = f"/v1/rounds/{rnd.id}"
    return service.round_public(rnd)


@router.get("", response_model=RoundsPublic, responses=errors(401, 422))
def list_rounds(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    status: Annotated[RoundStatus | None, Query()] = None,
) -> RoundsPublic:
    """Rounds, newest first (paginated)."""
    rows, total = service.list_rounds(
        session=session, actor=actor, status=status, limit=page.limit, offset=page.offset
    )
    return RoundsPublic(data=[service.round_public(r) for r in rows], count=total)


@router.get("/{round_id}", response_model=RoundPublic, responses=errors(401, 404))
def get_round(
    round_id: RoundId, session: SessionDep, actor: ActorDep, response: Response
) -> RoundPublic:
    """Status, kind, policy, objective values, timings and counts of a round, with its
    proposals by status (ETag: its version)."""
    rnd = service.get_round(session=session, actor=actor, round_id=round_id)
    response.headers["ETag"] = etag(rnd.version)
    counts = service.proposal_counts(session=session, round_id=round_id)
    return service.round_public(rnd, counts)


def _wake_worker(request: Request) -> None:
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()


@router.post(
    "/{round_id}/run",
    status_code=202,
    response_model=RoundPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def run_round(
    round_id: RoundId,
    session: SessionDep,
    actor: ActorDep,
    request: Request,
    background: BackgroundTasks,
    response: Response,
) -> RoundPublic:
    """Freeze the snapshot and record the solve job (planner); 202, the solve runs in the
    background (status ``running`` then ``proposed`` or ``failed``). Watch ``/events``.
    """
    rnd = service.run_round(session=session, actor=actor, round_id=round_id)
    background.add_task(_wake_worker, request)  # after the commit: the job is in the database
    response.headers["ETag"] = etag(rnd.version)
    response.headers["Location"] = f"/v1/rounds/{round_id}"
    return service.round_public(rnd)


@router.post(
    "/{round_id}/what-if",
    status_code=202,
    response_model=RoundPublic,
    responses=errors(401, 403, 404, 409, 422),
)
@body_route
def post_what_if(
    round_id: RoundId,
    data: Annotated[dict[str, Any], documented_as(WhatIfCreate)],
    session: SessionDep,
    actor: ActorDep,
    request: Request,
    background: BackgroundTasks,
    response: Response,
) -> RoundPublic:
    """A what-if round (planner): the same frozen snapshot as round ``round_id`` with the
    ``policy`` fields given replaced (``safeguard_mode: off`` allowed), solved at once (202).
    Its proposals cannot be answered and it cannot be closed; compare it with
    ``/compare?with=``."""
    rnd = service.start_what_if(session=session, actor=actor, round_id=round_id, data=data)
    background.add_task(_wake_worker, request)  # after the commit: the job is in the database
    response.headers["ETag"] = etag(rnd.version)
    response.headers["Location"] = f"/v1/rounds/{rnd.id}"
    return service.round_public(rnd)


@router.get(
    "/{round_id}/compare",
    response_model=RoundComparison,
    responses={
        **errors(401, 403, 404, 409, 422),
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"},
    },
)
def get_compare(
    round_id: RoundId,
    other: Annotated[int, Query(alias="with", ge=1, le=ROW_MAX, description="the other round")],
    session: SessionDep,
    actor: ActorDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Round ``round_id`` (a) against round ``with`` (b), both solved (planner, viewer): tiers,
    positions filled per destination, workers per route, and the postings placed differently
    with the reasons that held them back where they got less. Deltas are b - a."""
    comparison = compare.compare_rounds(
        session=session, actor=actor, round_id=round_id, other_id=other
    )
    if format == "csv":
        return PlainTextResponse(compare.comparison_csv(comparison), media_type="text/csv")
    return comparison


def _event_json(event: Any) -> dict[str, Any]:
    return RoundEventPublic.model_validate(event, from_attributes=True).model_dump(mode="json")


def _poll(engine: Engine, actor: Actor, round_id: int, after: int) -> tuple[list[Any], str]:
    with Session(engine, expire_on_commit=False) as session:
        events, status = reading.events_after(
            session=session, actor=actor, round_id=round_id, after_id=after
        )
        rows = [_event_json(e) for e in events]
        session.rollback()
    return rows, status


async def _stream(engine: Engine, actor: Actor, round_id: int, after: int) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    last_sent = time.monotonic()
    while True:
        rows, status = await anyio.to_thread.run_sync(_poll, engine, actor, round_id, after)
        for row in rows:
            after = row["id"]
            yield f"id: {row['id']}\nevent: {row['kind']}\ndata: {json.dumps(row)}\n\n"
            last_sent = time.monotonic()
        if status != "running" and not rows:
            yield f"event: end\ndata: {json.dumps({'status': status})}\n\n"
            return
        if not rows:
            if time.monotonic() - last_sent >= EVENT_KEEPALIVE_S:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
            await anyio.sleep(EVENT_POLL_S)


@router.get(
    "/{round_id}/events",
    responses={
        **errors(401, 404),
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events: `progress` (tier, incumbent, bound, elapsed_s),"
            " `status`, and a final `end` with the round's status; a `: keep-alive` comment"
            " after 15 s without any",
        },
    },
)
def round_events(
    round_id: RoundId,
    session: SessionDep,
    actor: ActorDep,
    engine: EngineDep,
    last_event_id: Annotated[
        str | None,
        Header(
            description="resume after this event id (sent by EventSource)",
            json_schema_extra={"pattern": r"^\s*[0-9]*\s*$"},
        ),
    ] = None,
    after: Annotated[int, Query(ge=0, le=ROW_MAX, description="resume after this event id")] = 0,
) -> StreamingResponse:
    """Progress of the solve as server-sent events, until the round leaves ``running``."""
    service.get_round(session=session, actor=actor, round_id=round_id)
    if last_event_id is not None and last_event_id.strip():
        resume = last_event_id.strip()
        if not (resume.isascii() and resume.isdigit() and int(resume) <= ROW_MAX):
            problem = f"an event id (0..{ROW_MAX}) is expected"  # a huge one broke the stream
            raise InvalidInput([Problem(("header", "Last-Event-ID"), problem)])
        after = max(after, int(resume))
    return StreamingResponse(
        _stream(engine, actor, round_id, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _json_object(description: str) -> dict[int | str, dict[str, Any]]:
    """The documented 200 of a route that sends a stored JSON document as it is."""
    content = {"application/json": {"schema": {"type": "object"}}}
    return {200: {"description": description, "content": content}}


@router.get(
    "/{round_id}/scenario",
    response_class=Response,
    responses={**_json_object("The MATCHING.md scenario"), **errors(401, 403, 404)},
)
def get_scenario(round_id: RoundId, session: SessionDep, actor: ActorDep) -> Response:
    """The frozen snapshot (MATCHING.md scenario): `python -m solver` on it gives the result."""
    text = reading.get_scenario(session=session, actor=actor, round_id=round_id)
    return Response(text, media_type="application/json")  # as stored: nothing to re-encode


@router.get(
    "/{round_id}/result",
    response_class=Response,
    responses={**_json_object("The MATCHING.md result"), **errors(401, 404)},
)
def get_result(round_id: RoundId, session: SessionDep, actor: ActorDep) -> Response:
    """The MATCHING.md result with unmatched reasons (focal points: their own lines)."""
    text = reading.get_result(session=session, actor=actor, round_id=round_id)
    return Response(text, media_type="application/json")


@router.get("/{round_id}/proposals", response_model=ProposalsPublic, responses=errors(401, 404))
def list_round_proposals(
    round_id: RoundId,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    status: Annotated[ProposalStatus | None, Query()] = None,
    country: Annotated[str | None, country_query("origin or destination")] = None,
) -> ProposalsPublic:
    """One proposal per match (focal points: where their country is origin or destination)."""
    return proposals_page(
        session=session,
        actor=actor,
        page=page,
        round_id=round_id,
        status=status,
        country=country,
    )


@router.post("/{round_id}/close", response_model=CloseReport, responses=errors(401, 403, 404, 409))
def post_close(round_id: RoundId, session: SessionDep, actor: ActorDep) -> CloseReport:
    """Close a proposed round (planner), in one transaction: confirmed proposals that still fit
    become ledger entries and reduce the postings' ``remaining``; those that no longer fit are
    ``rejected_at_close`` (listed here); the others expire. Closing twice is 409.
    """
    _, report = close_round(session=session, actor=actor, round_id=round_id)
    return report
