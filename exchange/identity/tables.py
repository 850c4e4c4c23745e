"""The users table: a name, a role, an optional country and the hash of a bearer token."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from exchange.timestamps import created_at_field


class User(SQLModel, table=True):
    """Someone who acts on the exchange; ``country`` is set for focal points only."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    role: str  # admin | planner | focal_point | viewer
    country: str | None = Field(default=None, foreign_key="countries.code")
    token_hash: str = Field(unique=True, max_length=128)
    active: bool = True
    created_at: datetime = created_at_field()
