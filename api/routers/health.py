"""Liveness and the database in use."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import EngineDep
from api.problems import problem_response
from exchange.db import describe_database

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness; reports the database in use and whether it answers",
    responses={503: {"description": "The database does not answer"}},
)
def healthz(engine: EngineDep) -> Any:
    """``{"status": "ok", "database": {...}}``, or 503 problem details."""
    database = {
        "url": describe_database(engine),
        "dialect": engine.dialect.name,
    }
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't crash
        return problem_response(
            503, "database-unavailable", "Database unavailable", f"{database['url']}: {exc}"
        )
    return JSONResponse({"status": "ok", "database": {**database, "ok": True}})
