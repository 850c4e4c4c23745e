"""Pydantic shapes of users: what an admin sends to create one and what the API shows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel

from exchange.bodies import CreationBody
from exchange.codes import CountryCode, Role


class UserBase(SQLModel):
    """Fields shared by every shape of a user."""

    name: str
    role: Role
    country: CountryCode | None = None


class UserCreate(CreationBody, UserBase):
    """An admin's request to create a user (the token is generated, never sent)."""


class UserPublic(UserBase):
    """A user as shown to admins (never the token nor its hash)."""

    id: int
    active: bool
    created_at: datetime


class UserCreated(UserPublic):
    """A user just created, with the bearer token shown this once."""

    token: str


class UserToken(UserPublic):
    """A user with the bearer token just issued to it, shown this once (the old one is refused
    from now on)."""

    token: str
