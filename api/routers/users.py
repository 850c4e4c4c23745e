"""Users: admins create, revoke and give new tokens (returned once); anyone reads who they are and
replaces its own token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api.bodies import body_route, documented_as
from api.deps import ActorDep, SessionDep
from api.params import UserId
from api.problems import errors
from exchange.identity.actor import Actor, require_role
from exchange.identity.schemas import UserCreate, UserCreated, UserPublic, UserToken
from exchange.identity.service import (
    create_user_from_body,
    issue_token,
    list_users,
    revoke_user,
    rotate_own_token,
)

router = APIRouter(prefix="/v1", tags=["users"])


@router.post(
    "/users",
    status_code=201,
    response_model=UserCreated,
    responses=errors(401, 403, 409, 422),
    summary="Create a user (admin); the bearer token is in the response, shown once",
)
@body_route
def post_user(
    data: Annotated[dict[str, Any], documented_as(UserCreate)],
    session: SessionDep,
    actor: ActorDep,
) -> UserCreated:
    user, token = create_user_from_body(session=session, actor=actor, data=data)
    return UserCreated.model_validate({**user.model_dump(), "token": token})


@router.get(
    "/users",
    response_model=list[UserPublic],
    responses=errors(401, 403),
    summary="Every user (admin)",
)
def get_users(session: SessionDep, actor: ActorDep) -> list[UserPublic]:
    require_role(actor, "admin")
    return [UserPublic.model_validate(u.model_dump()) for u in list_users(session=session)]


@router.post(
    "/users/{user_id}/revoke",
    response_model=UserPublic,
    responses=errors(401, 403, 404, 409),
    summary="Revoke a user (admin): its token is refused at once, by every server",
)
def post_user_revoke(user_id: UserId, session: SessionDep, actor: ActorDep) -> UserPublic:
    """Revoking a revoked user changes nothing; the last active admin cannot be revoked (409)."""
    user = revoke_user(session=session, actor=actor, user_id=user_id)
    return UserPublic.model_validate(user.model_dump())


@router.post(
    "/users/{user_id}/token",
    response_model=UserToken,
    responses=errors(401, 403, 404, 409),
    summary="Give a user a new token (admin), shown once; the old one is refused at once",
)
def post_user_token(user_id: UserId, session: SessionDep, actor: ActorDep) -> UserToken:
    """A revoked user gets no new token (409)."""
    user, token = issue_token(session=session, actor=actor, user_id=user_id)
    return UserToken.model_validate({**user.model_dump(), "token": token})


@router.get("/me", responses=errors(401), summary="Who the token belongs to")
def me(actor: ActorDep) -> Actor:
    return actor


@router.post(
    "/me/token",
    response_model=UserToken,
    responses=errors(401),
    summary="Replace the caller's own token, shown once; the one sent is refused from now on",
)
def post_me_token(session: SessionDep, actor: ActorDep) -> UserToken:
    user, token = rotate_own_token(session=session, actor=actor)
    return UserToken.model_validate({**user.model_dump(), "token": token})
