"""Who is acting, and the access rules of API.md in one place.

Services take an ``Actor`` and call these checks; they raise ``Forbidden`` for a role lacking a
right and ``NotFound`` when a focal point touches another country's object (it must not learn that
the object exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a user with one role, and a country for focal points."""

    user_id: int | None
    name: str
    role: str
    country: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_planner(self) -> bool:
        return self.role == "planner"

    @property
    def is_focal_point(self) -> bool:
        return self.role == "focal_point"


SYSTEM = Actor(user_id=None, name="system", role="admin")
"""The actor of command-line and background work (fixtures loading, the round worker)."""


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse (403) unless the actor has one of ``roles``; admins may do everything."""
    if actor.role != "admin" and actor.role not in roles:
        raise Forbidden(f"role {actor.role!r} may not do this (needs one of {', '.join(roles)})")


def can_see_country(actor: Actor, country: str) -> bool:
    """Whether the actor may see objects that belong to ``country`` alone."""
    return not actor.is_focal_point or actor.country == country


def require_country_visible(actor: Actor, country: str, what: str) -> None:
    """404 for a focal point looking at another country's object."""
    if not can_see_country(actor, country):
        raise NotFound(f"{what} not found")


def require_posting_writer(actor: Actor, country: str, what: str) -> None:
    """Only the country's focal point (or an admin) writes its postings."""
    if actor.is_admin:
        return
    if actor.is_focal_point:
        require_country_visible(actor, country, what)
        return
    raise Forbidden(f"role {actor.role!r} may not write postings")


def require_workforce_writer(actor: Actor, country: str, what: str) -> None:
    """Planners and admins write any country's workforce facts; a focal point its own country's
    (they are that country's declarations), and another country's are 404; viewers 403."""
    if actor.is_focal_point:
        require_country_visible(actor, country, what)
        return
    require_role(actor, "planner")


def sides_of(actor: Actor, origin: str, destination: str) -> list[str]:
    """Which sides of a proposal the actor may act for: ``origin``, ``destination``, or both."""
    if actor.is_admin:
        return ["origin", "destination"]
    if not actor.is_focal_point:
        return []
    sides = []
    if actor.country == origin:
        sides.append("origin")
    if actor.country == destination:
        sides.append("destination")
    return sides
