"""Reliability tests: an app with its own settings on the shared migrated database, and a
"world" holding one object of every kind (deposit, withdrawal, agreement, proposed round with a
proposal) so that every route can be called with a real object.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from exchange.audit.tables import AuditEvent
from exchange.config import Settings, get_settings
from tests.api.conftest import Api, deposit, make_round, seed, withdrawal

AGREEMENT = {
    "origin": "PHL",
    "destination": "DEU",
    "g2g": True,
    "cadres": ["2221"],
    "valid_from": "2020-01",
    "valid_to": "2099-12",
    "benefit_usd_per_worker": 1000,
}


def open_api(engine: Engine, settings: Settings | None = None) -> tuple[Api, TestClient]:
    """A seeded app on ``engine`` with ``settings`` (default: no rate limit); the caller closes
    the client."""
    settings = settings or Settings(rate_limit_per_minute=0)
    tokens = seed(engine)
    client = TestClient(create_app(settings, engine=engine))
    client.__enter__()
    return Api(client=client, tokens=tokens, engine=engine), client


@pytest.fixture
def rapi(engine: Engine) -> Iterator[Api]:
    """Like tests/api's ``api`` fixture, without the rate limit (sweeps make many calls)."""
    api, client = open_api(engine)
    try:
        yield api
    finally:
        client.__exit__(None, None, None)


@dataclass
class World:
    api: Api
    ids: dict[str, Any]


def _booked_placement(api: Api) -> int:
    """A placement of 10 PHL care workers in DEU, booked by a closed round of their own cadre."""
    assert api.post("phl", "/v1/deposits", json=deposit(cadre="5321")).status_code == 201
    assert api.post("deu", "/v1/withdrawals", json=withdrawal(cadre="5321")).status_code == 201
    rnd = make_round(api, post=False, cadres=["5321"])
    for p in api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]:
        assert api.post("admin", f"/v1/proposals/{p['id']}/accept").status_code == 200
    closed = api.post("planner", f"/v1/rounds/{rnd['id']}/close")
    assert closed.status_code == 200, closed.text
    [placement] = api.get("planner", "/v1/placements", params={"round": rnd["id"]}).json()["data"]
    return int(placement["id"])


def build_world(api: Api) -> World:
    """A PHL deposit and a DEU withdrawal matched in a proposed round, and an agreement."""
    made = api.post("planner", "/v1/agreements", json=AGREEMENT)
    assert made.status_code == 201, made.text
    rnd = make_round(api)
    proposals = api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]
    assert len(proposals) == 1
    p = proposals[0]
    placement_id = _booked_placement(api)
    return World(
        api=api,
        ids={
            "agreement_id": made.json()["id"],
            "deposit_id": p["deposit_id"],
            "withdrawal_id": p["withdrawal_id"],
            "round_id": rnd["id"],
            "proposal_id": p["id"],
            "placement_id": placement_id,
            "code": "PHL",
            "country": "PHL",
            "cadre": "2221",
            "name": "deposits.csv",
            "path": "index.html",
        },
    )


@pytest.fixture
def world(rapi: Api) -> World:
    return build_world(rapi)


def audit_count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(AuditEvent)).one())


def audit_actions_after(engine: Engine, after_id: int) -> list[str]:
    with Session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.id > after_id)).all()  # type: ignore[operator]
        return [r.action for r in rows]


def last_audit_id(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.coalesce(func.max(AuditEvent.id), 0))).one())


@pytest.fixture
def clear_settings_cache() -> Iterator[None]:
    """Services read ``get_settings()``: clear its cache around a test that changes the env."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


__all__ = ["Api", "deposit", "withdrawal", "make_round"]
