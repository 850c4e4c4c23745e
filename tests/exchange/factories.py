"""Plain factory functions for service tests: a little reference data and valid payloads."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from exchange.db import session_scope
from exchange.identity.actor import Actor
from exchange.reference.tables import Cadre, Country, SafeguardEdition, SafeguardListing
from exchange.rounds.tables import Round

ADMIN = Actor(user_id=None, name="admin", role="admin")
PLANNER = Actor(user_id=2, name="planner", role="planner")
VIEWER = Actor(user_id=3, name="viewer", role="viewer")
NPL_FP = Actor(user_id=4, name="npl-fp", role="focal_point", country="NPL")
DEU_FP = Actor(user_id=5, name="deu-fp", role="focal_point", country="DEU")


def seed_reference(session: Session) -> None:
    """Five countries (Nepal safeguard-listed since 2023-03), two cadres."""
    session.add_all(
        [
            Country(code="NPL", name="Nepal", aaah_member=True),
            Country(code="PHL", name="Philippines", aaah_member=True),
            Country(code="DEU", name="Germany", licensing_languages={"de": "B2"}),
            Country(code="GBR", name="United Kingdom", licensing_languages={"en": "B2"}),
            Country(code="JPN", name="Japan", licensing_languages={"ja": "B2"}),
            Cadre(code="2221", name="Nursing professionals"),
            Cadre(code="2240", name="Paramedical practitioners"),
        ]
    )
    session.flush()
    session.add(SafeguardEdition(edition="who-2023", valid_from="2023-03", source="WHO 2023"))
    session.flush()
    session.add(SafeguardListing(edition="who-2023", country="NPL"))
    session.commit()


def deposit_payload(**overrides: Any) -> dict[str, Any]:
    """A valid deposit from Nepal."""
    data: dict[str, Any] = {
        "country": "NPL",
        "cadre": "2221",
        "count": 20,
        "languages": {"en": "B2"},
        "available_from": "2026-12",
        "available_to": "2027-12",
    }
    data.update(overrides)
    return data


def withdrawal_payload(**overrides: Any) -> dict[str, Any]:
    """A valid withdrawal for Germany."""
    data: dict[str, Any] = {
        "country": "DEU",
        "cadre": "2221",
        "count": 10,
        "required_languages": {"de": "B1"},
        "language_training_months": 6,
        "benefit_usd_per_worker": 3000,
        "priority": 3,
        "start_from": "2027-01",
        "start_to": "2027-06",
    }
    data.update(overrides)
    return data


def stored_round(engine: Engine, round_id: int) -> Round:
    """The round as stored now (detached: read it after the session closed)."""
    with session_scope(engine) as session:
        rnd = session.get(Round, round_id)
        assert rnd is not None
        session.expunge(rnd)
        return rnd
