"""``/healthz`` and a serving app's start on a database that is not ready: no schema, an older
schema (on each engine), no answer. ``test_basics`` covers the healthy case."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy.engine import Engine

with warnings.catch_warnings():  # as in tests/api/conftest.py
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from exchange.db import make_engine
from exchange.migrate import SchemaNotCurrent, upgrade


def test_healthz_is_503_on_a_database_without_the_schema(empty_engine: Engine) -> None:
    r = TestClient(create_app(engine=empty_engine)).get("/healthz")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("schema-not-current")
    assert "hrhx db upgrade" in problem["detail"]


def test_healthz_is_503_on_an_older_schema(empty_url: str, empty_engine: Engine) -> None:
    upgrade(empty_url, "0005")
    r = TestClient(create_app(engine=empty_engine)).get("/healthz")
    assert r.status_code == 503
    assert "revision 0005" in r.json()["detail"]


def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:9/nothing")  # the discard port
    try:
        r = TestClient(create_app(engine=engine)).get("/healthz")
    finally:
        engine.dispose()
    assert r.status_code == 503
    assert r.json()["type"].endswith("database-unavailable")


def test_a_serving_app_does_not_start_on_a_database_without_the_schema(
    empty_engine: Engine,
) -> None:
    app = create_app(engine=empty_engine, start_worker=True)
    with pytest.raises(SchemaNotCurrent, match="hrhx db upgrade"), TestClient(app):
        pass
    assert app.state.worker is None  # no round worker polling tables that do not exist
