"""Users and bearer tokens: creation (the token is shown once; only its hash is stored), login,
revocation and rotation.

Every request looks its token's hash up in the database (``authenticate_on``); nothing caches a
token or a user in a process, so a revoked or replaced token is refused at once by every server.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from exchange.audit.service import record, snapshot
from exchange.codes import ROLES
from exchange.db import created_once
from exchange.errors import Conflict, InvalidInput, NotFound, Problem, Unauthorized
from exchange.identity.actor import SYSTEM, Actor, require_role
from exchange.identity.schemas import UserCreate
from exchange.identity.tables import User
from exchange.reference.tables import Country
from exchange.reference.validation import failed_locs, parse_model

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    """The stored form of a bearer token (hex sha256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_user_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The meaning problems of a user body (name, role, country and how they go together),
    leaving out the fields in ``skip`` (refused already for their type or name)."""
    problems: list[Problem] = []
    name, role, country = data.get("name"), data.get("role"), data.get("country")
    if "name" not in skip and isinstance(name, str) and not 1 <= len(name.strip()) <= 120:
        problems.append(Problem(("name",), "a name of 1 to 120 characters is required"))
    role_known = isinstance(role, str) and role in ROLES
    if "role" not in skip and not role_known:
        problems.append(Problem(("role",), f"unknown role {role!r}; one of {', '.join(ROLES)}"))
    if "country" in skip:
        return problems
    if isinstance(country, str) and session.get(Country, country.upper()) is None:
        problems.append(Problem(("country",), f"unknown country {country.upper()!r}"))
    if role == "focal_point" and country is None:
        problems.append(Problem(("country",), "a focal point needs a country"))
    if role_known and role != "focal_point" and country is not None:
        problems.append(Problem(("country",), "only focal points are bound to a country"))
    return problems


def create_user_from_body(
    *, session: Session, actor: Actor, data: Mapping[str, Any]
) -> tuple[User, str]:
    """A new user from a request body as sent (admins): its shape and meaning checked once, every
    problem in one ``InvalidInput``."""
    require_role(actor, "admin")
    problems: list[Problem] = []
    parsed = parse_model(UserCreate, dict(data), problems)
    if parsed is None:
        skip = failed_locs(problems)
        raise InvalidInput(problems + check_user_fields(session=session, data=data, skip=skip))
    return create_user(
        session=session, actor=actor, name=parsed.name, role=parsed.role, country=parsed.country
    )


def create_user(
    *,
    session: Session,
    name: str,
    role: str,
    country: str | None = None,
    actor: Actor = SYSTEM,
) -> tuple[User, str]:
    """Create a user with a fresh random token; return the user and the token (shown once)."""
    name = name.strip()
    country = country.upper() if country is not None else None
    problems = check_user_fields(
        session=session, data={"name": name, "role": role, "country": country}, skip=()
    )
    if problems:
        raise InvalidInput(problems)
    if session.exec(select(User).where(User.name == name)).first() is not None:
        raise Conflict(f"a user named {name!r} already exists")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    user = User(name=name, role=role, country=country, token_hash=hash_token(token))
    session.add(user)
    with created_once(f"a user named {name!r}"):
        session.flush()
    record(
        session=session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=str(user.id),
        after=user_snapshot(user),
    )
    return user, token


def user_snapshot(user: User) -> dict[str, Any] | None:
    """A user as the audit log keeps it: never the token's hash."""
    data = snapshot(user)
    if data is not None:
        data.pop("token_hash", None)
    return data


def get_user(*, session: Session, user_id: int) -> User:
    """The user with ``user_id``, its row locked for the change to come; ``NotFound`` else."""
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user_by_name(*, session: Session, name: str) -> User:
    """The user named ``name`` (for the command line); ``NotFound`` else."""
    user = session.exec(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise NotFound(f"no user named {name.strip()!r}")
    return get_user(session=session, user_id=int(user.id or 0))


def revoke_user(*, session: Session, user_id: int, actor: Actor = SYSTEM) -> User:
    """Deactivate a user (admin): its token is refused from the commit on, in every server
    process. Revoking a revoked user changes nothing; the last active admin cannot be revoked,
    so the exchange always keeps someone who can manage it."""
    require_role(actor, "admin")
    user = get_user(session=session, user_id=user_id)
    if not user.active:
        return user
    if user.role == "admin":
        active_admins = select(User.id).where(User.role == "admin", User.active == True)  # noqa: E712
        # lock every active admin: two admins revoking each other wait for one another
        locked = session.exec(active_admins.with_for_update()).all()
        if len(locked) <= 1:
            raise Conflict(f"user {user.name!r} is the last active admin; create another first")
    before = user_snapshot(user)
    user.active = False
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="user.revoke",
        entity="user",
        entity_id=str(user.id),
        before=before,
        after=user_snapshot(user),
    )
    return user


def issue_token(*, session: Session, user_id: int, actor: Actor = SYSTEM) -> tuple[User, str]:
    """Give a user a new random token (admin); the old one is refused from the commit on.
    Returns the user and the new token (shown once). A revoked user gets none (409): it stays
    revoked."""
    require_role(actor, "admin")
    return _replace_token(session, user_id, actor)


def rotate_own_token(*, session: Session, actor: Actor) -> tuple[User, str]:
    """The caller's own new token (any role); the token it called with is refused from now on."""
    if actor.user_id is None:
        raise Conflict("the exchange's own actor has no token")
    return _replace_token(session, actor.user_id, actor)


def _replace_token(session: Session, user_id: int, actor: Actor) -> tuple[User, str]:
    user = get_user(session=session, user_id=user_id)
    if not user.active:
        raise Conflict(f"user {user.name!r} is revoked; it gets no new token")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    user.token_hash = hash_token(token)
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="user.token",
        entity="user",
        entity_id=str(user.id),
        before=user_snapshot(user),
        after=user_snapshot(user),
    )
    return user, token


_USERS = User.__table__.c  # type: ignore[attr-defined]
_BY_TOKEN = sa_select(_USERS.id, _USERS.name, _USERS.role, _USERS.country, _USERS.active).where(
    _USERS.token_hash == bindparam("token_hash")
)


def authenticate(*, session: Session, token: str | None) -> Actor:
    """The actor holding ``token``; ``Unauthorized`` for a missing, unknown or inactive token."""
    return authenticate_on(session.connection(), token)


def authenticate_on(connection: Connection, token: str | None) -> Actor:
    """``authenticate`` on a bare connection: one plain query, no ORM object (every request
    makes it, and the list routes make it without a session)."""
    if not token:
        raise Unauthorized("a bearer token is required")
    user = connection.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if user is None or not user.active:
        raise Unauthorized("unknown or inactive token")
    return Actor(user_id=user.id, name=user.name, role=user.role, country=user.country)


def list_users(*, session: Session) -> list[User]:
    """Every user, by id."""
    return list(session.exec(select(User).order_by(User.id)))  # type: ignore[arg-type]
