"""API tests: the app on a fresh migrated database (SQLite and PostgreSQL), tokens per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():  # starlette nudges towards httpx2; httpx is what we depend on
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from exchange.db import session_scope
from exchange.identity.service import create_user
from exchange.reference.tables import Cadre, Country, WorkforceFact
from exchange.rounds.worker import process_all

COUNTRIES = {
    "PHL": ("Philippines", {}),
    "DEU": ("Germany", {"de": "B2"}),
    "NPL": ("Nepal", {}),
    "GBR": ("United Kingdom", {"en": "B2"}),
    "JPN": ("Japan", {}),
}
CADRES = {
    "2221": "Nursing professionals",
    "2211": "Generalist medical practitioners",
    "2212": "Specialist medical practitioners",
    "2222": "Midwifery professionals",
    "2240": "Paramedical practitioners",
    "2261": "Dentists",
    "2262": "Pharmacists",
    "3221": "Nursing associate professionals",
    "5321": "Health care assistants",
}
ROLES = {
    "admin": ("admin", None),
    "planner": ("planner", None),
    "viewer": ("viewer", None),
    "phl": ("focal_point", "PHL"),
    "deu": ("focal_point", "DEU"),
    "npl": ("focal_point", "NPL"),
    "gbr": ("focal_point", "GBR"),
    "jpn": ("focal_point", "JPN"),
}


def seed(engine: Engine) -> dict[str, str]:
    """Countries, cadres, workforce facts and one user per role; returns the tokens."""
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        for code, (name, langs) in COUNTRIES.items():
            session.add(Country(code=code, name=name, licensing_languages=langs))
        for code, name in CADRES.items():
            session.add(Cadre(code=code, name=name))
        session.flush()
        session.add(
            WorkforceFact(country="PHL", cadre="2221", stock=500_000, education_cost_usd=10_000)
        )
        for key, (role, country) in ROLES.items():
            _, token = create_user(session=session, name=key, role=role, country=country)
            tokens[key] = token
    return tokens


@dataclass
class Api:
    """A test client that knows one token per role: ``api.get("phl", "/v1/deposits")``."""

    client: TestClient
    tokens: dict[str, str]
    engine: Engine

    def request(self, who: str | None, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(who, who)}"
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return self.request(who, "GET", url, **kw)

    def post(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return self.request(who, "POST", url, **kw)

    def patch(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return self.request(who, "PATCH", url, **kw)

    def put(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return self.request(who, "PUT", url, **kw)

    def delete(self, who: str | None, url: str, **kw: Any) -> httpx.Response:
        return self.request(who, "DELETE", url, **kw)

    def solve(self) -> list[int]:
        """Solve every running round now, in this thread (a server's worker does it in its child
        process)."""
        return process_all(self.engine, "test-worker")


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    tokens = seed(engine)
    app = create_app(engine=engine)
    with TestClient(app) as client:
        yield Api(client=client, tokens=tokens, engine=engine)


def deposit(country: str = "PHL", count: int = 10, **kw: Any) -> dict[str, Any]:
    body = {
        "country": country,
        "cadre": "2221",
        "count": count,
        "languages": {"en": "C1", "de": "B2"},
        "available_from": "2020-01",
        "available_to": "2099-12",
    }
    body.update(kw)
    return body


def withdrawal(country: str = "DEU", count: int = 10, **kw: Any) -> dict[str, Any]:
    body = {
        "country": country,
        "cadre": "2221",
        "count": count,
        "benefit_usd_per_worker": 3000,
        "priority": 3,
        "start_from": "2020-01",
        "start_to": "2099-12",
    }
    body.update(kw)
    return body


def make_round(
    api: Api, *, post: bool = True, cadres: list[str] | None = None, **policy: Any
) -> dict[str, Any]:
    """Post one PHL deposit and one DEU withdrawal of 10 (unless told not to), run a round (of
    ``cadres`` only, if given), solve it; returns the round."""
    if post:
        assert api.post("phl", "/v1/deposits", json=deposit()).status_code == 201
        assert api.post("deu", "/v1/withdrawals", json=withdrawal()).status_code == 201
    body: dict[str, Any] = {"policy": policy}
    if cadres:
        body["cadres"] = cadres
    created = api.post("planner", "/v1/rounds", json=body)
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    ran = api.post("planner", f"/v1/rounds/{round_id}/run")
    assert ran.status_code == 202, ran.text
    api.solve()
    got = api.get("planner", f"/v1/rounds/{round_id}").json()
    assert got["status"] == "proposed", got
    return got
