"""Annotated dependencies: the database session (the one transaction boundary), the actor,
pagination, ``If-Match`` versions, and the refusal of a body sent to a write that takes none.

Dependencies that only read the request are ``async def``: FastAPI runs a sync dependency on a
worker thread, and a hop per trivial dependency was a measurable share of a short request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.params import Offset
from exchange.config import Settings, get_settings
from exchange.errors import InvalidInput, Problem
from exchange.identity.actor import Actor
from exchange.identity.service import authenticate
from exchange.versions import ANY_VERSION, VERSION_MISSING, VersionMatch, VersionMissing


async def get_engine_dep(request: Request) -> Engine:
    """The engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine_dep)]


def get_session(request: Request, engine: EngineDep) -> Iterator[Session]:
    """One unit of work per request: commit when the route succeeds, roll back when it raises.

    Scoped to the route function, so the commit happens before the response is sent: a client
    that got a 2xx can rely on the write being durable.
    """
    if request.method in ("GET", "HEAD"):
        engine = getattr(request.app.state, "read_engine", None) or engine
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

bearer = HTTPBearer(
    auto_error=False, description="A token from `hrhx users create` or POST /v1/users"
)


def get_actor(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The caller, from the bearer token (401 when missing or unknown)."""
    token = credentials.credentials if credentials else None
    return authenticate(session=session, token=token)


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str | None:
    """The bearer token as sent, unchecked (for routes that authenticate in their own hop)."""
    return credentials.credentials if credentials else None


BearerTokenDep = Annotated[str | None, Depends(get_bearer_token)]


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@dataclass(frozen=True)
class Page:
    """Which slice of a list to return."""

    limit: int
    offset: int


async def get_page(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="page size")] = 100,
    offset: Offset = 0,
) -> Page:
    """Pagination parameters, the page size capped by ``HRHX_MAX_PAGE_SIZE``."""
    if limit > settings.max_page_size:
        raise InvalidInput(
            [Problem(("query", "limit"), f"at most {settings.max_page_size}")],
        )
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(get_page)]


def parse_if_match(value: str) -> VersionMatch | None:
    """The versions an ``If-Match`` header allows (RFC 9110 §13.1.1), None if unreadable.

    ``*`` allows any current version; otherwise a comma-separated list of ``"3"`` (or a bare
    ``3``), any of which may be current. A weak ``W/"3"`` is read but never matches: If-Match
    compares strongly.
    """
    value = value.strip()
    if value == "*":
        return ANY_VERSION
    versions: set[int] = set()
    readable = False
    for item in (part.strip() for part in value.split(",")):
        if not item:  # RFC 9110 §5.6.1: empty list elements are ignored
            continue
        weak = item.startswith("W/")
        tag = item[2:] if weak else item
        if weak or tag.startswith('"'):
            if len(tag) < 2 or not (tag.startswith('"') and tag.endswith('"')):
                return None
            tag = tag[1:-1]
        if not (tag.isascii() and tag.isdigit()):
            return None
        readable = True
        if not weak:
            versions.add(int(tag))
    return VersionMatch.of(versions) if readable else None


IF_MATCH_DOC = (
    'The version to change (the ETag of the last read, `"3"`); `*` for any'
    " current version, or a list of versions any of which may be current"
)
_TAG = r'(W/"[0-9]+"|"[0-9]+"|[0-9]+)'
IF_MATCH_PATTERN = rf"^\s*(\*|{_TAG}(\s*,\s*{_TAG})*)\s*$"
"""What `parse_if_match` reads, for the OpenAPI document (the parser stays the judge, so that an
unreadable header gets this module's message)."""
IF_MATCH_SCHEMA = {"pattern": IF_MATCH_PATTERN}


async def get_if_match(
    if_match: Annotated[
        str,
        Header(description=IF_MATCH_DOC, json_schema_extra=IF_MATCH_SCHEMA),
    ],
) -> VersionMatch:
    """The versions ``If-Match`` allows the write to change; 422 when unreadable, 428 when
    missing (``api.problems``: 422 listing it with any other problem FastAPI found).
    """
    versions = parse_if_match(if_match)
    if versions is None:
        raise InvalidInput([Problem(("header", "If-Match"), "a version number is expected")])
    return versions


IfMatchDep = Annotated[VersionMatch, Depends(get_if_match)]


async def get_edit_if_match(
    if_match: Annotated[
        str | None, Header(description=IF_MATCH_DOC, json_schema_extra=IF_MATCH_SCHEMA)
    ] = None,
) -> VersionMatch | VersionMissing:
    """``If-Match`` of an edit with a body (PATCH): required, but a missing header reaches the
    service as ``VERSION_MISSING``, which checks the body on its own and answers 428, or 422
    listing the missing header with the body's problems. Documented as required
    (``api.problems``)."""
    if if_match is None:
        return VERSION_MISSING
    return await get_if_match(if_match)


EditIfMatchDep = Annotated[VersionMatch | VersionMissing, Depends(get_edit_if_match)]


def etag(version: int) -> str:
    """The ETag of a version."""
    return f'"{version}"'


async def get_optional_if_match(
    if_match: Annotated[
        str | None,
        Header(
            description="Optional: the version to change (412 when stale)",
            json_schema_extra=IF_MATCH_SCHEMA,
        ),
    ] = None,
) -> VersionMatch | None:
    """The versions an optional ``If-Match`` allows the write to change."""
    if if_match is None:
        return None
    return await get_if_match(if_match)


OptionalIfMatchDep = Annotated[VersionMatch | None, Depends(get_optional_if_match)]


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NO_BODY = "unknown field: this request takes no body"


async def refuse_unexpected_body(request: Request) -> None:
    """422 naming the fields of a body sent to a write that takes none (``run``, ``close``,
    ``DELETE``, ...): API.md rejects unknown fields instead of ignoring them. An empty body or
    ``{}`` is accepted. An app-wide dependency, so it runs before the route changes anything.
    """
    route = request.scope.get("route")
    if request.method not in WRITE_METHODS or not isinstance(route, APIRoute):
        return
    if route.body_field is not None:  # the route reads a body: FastAPI validates it
        return
    raw = await request.body()
    if not raw.strip():
        return
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        body = None
    if body == {}:
        return
    if isinstance(body, dict):
        raise InvalidInput([Problem(("body", str(name)), NO_BODY) for name in body])
    raise InvalidInput([Problem(("body",), "this request takes no body (send none, or {})")])
