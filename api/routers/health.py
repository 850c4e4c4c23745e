"""Liveness: the database in use, whether it answers, and whether its schema is current."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EngineDep
from api.problems import problem_response
from exchange.db import describe_database
from exchange.migrate import schema_state

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness; reports the database in use, whether it answers and its schema revision",
    responses={
        503: {
            "description": "The database does not answer, or its schema is not the one this"
            " version needs (the detail names the command that fixes it)"
        }
    },
)
def healthz(engine: EngineDep) -> Any:
    """``{"status": "ok", "database": {...}, "schema": {...}}``, or 503 problem details."""
    database = {
        "url": describe_database(engine),
        "dialect": engine.dialect.name,
    }
    try:
        state = schema_state(engine)  # a query: the database answers
    except Exception as exc:  # report, don't crash
        return problem_response(
            503, "database-unavailable", "Database unavailable", f"{database['url']}: {exc}"
        )
    advice = state.advice()
    if advice is not None:
        return problem_response(503, "schema-not-current", "Schema not current", advice)
    return JSONResponse(
        {
            "status": "ok",
            "database": {**database, "ok": True},
            "schema": {"revision": state.revision, "current": True},
        }
    )
