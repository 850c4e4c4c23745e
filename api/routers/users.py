"""Users: admins create them (the token is returned once); anyone reads who they are."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ActorDep, SessionDep
from api.problems import checks_body, errors
from exchange.identity.actor import Actor, require_role
from exchange.identity.schemas import UserCreate, UserCreated, UserPublic
from exchange.identity.service import check_user_fields, create_user, list_users

router = APIRouter(prefix="/v1", tags=["users"])


@router.post(
    "/users",
    status_code=201,
    response_model=UserCreated,
    responses=errors(401, 403, 409, 422),
    summary="Create a user (admin); the bearer token is in the response, shown once",
)
@checks_body(check_user_fields)
def post_user(data: UserCreate, session: SessionDep, actor: ActorDep) -> UserCreated:
    require_role(actor, "admin")
    user, token = create_user(
        session=session, actor=actor, name=data.name, role=data.role, country=data.country
    )
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


@router.get("/me", responses=errors(401), summary="Who the token belongs to")
def me(actor: ActorDep) -> Actor:
    return actor
