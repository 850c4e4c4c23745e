"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy.engine import Engine

from api.dashboard.router import router as dashboard_ui
from api.deps import refuse_unexpected_body
from api.limits import (
    SQLITE_CONCURRENT_WRITES,
    ConcurrencyGate,
    RequestLimits,
    in_flight_limit,
)
from api.listing import PageCache
from api.openapi_limits import document_page_size
from api.operation_ids import TAGS, operation_id
from api.problems import install_problem_handlers
from api.read_engine import make_read_engine
from api.routers import (
    agreements,
    audit,
    dashboard,
    health,
    indicators,
    ledger,
    placements,
    postings,
    proposals,
    reference,
    rounds,
    spreadsheets,
    users,
)
from api.unknown_query import refuse_unknown_query
from exchange.config import Settings, get_settings
from exchange.db import make_engine
from exchange.migrate import require_current_schema
from exchange.rounds.worker import RoundWorker

DESCRIPTION = """\
The HRH exchange: origin countries deposit surplus health workers, destinations withdraw
positions, matching rounds propose fair matches that both sides accept, closing a round books them
in a ledger. Errors are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    start_worker: bool = False,
    worker_poll_s: float = 1.0,
) -> FastAPI:
    """An app on ``engine`` (or the configured database); ``start_worker`` runs the round worker
    thread for the app's lifetime (servers do; tests usually solve rounds explicitly).
    """
    settings = settings or get_settings()
    engine = engine or make_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if start_worker:  # serving: only on the schema this code is written for
            require_current_schema(engine)
            worker = RoundWorker(
                engine, poll_s=worker_poll_s, solve_in_child=settings.solve_in_child
            )
            worker.start()
        app.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="hrhx: HRH exchange",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(refuse_unexpected_body), Depends(refuse_unknown_query)],
    )
    app.state.engine = engine
    app.state.read_engine = make_read_engine(engine)
    app.state.page_cache = PageCache(settings.page_cache_mb * 1024 * 1024)
    app.state.settings = settings
    app.state.worker = None
    install_problem_handlers(app)
    app.add_middleware(
        ConcurrencyGate,
        limit=in_flight_limit(engine, app.state.read_engine),
        write_limit=SQLITE_CONCURRENT_WRITES if engine.dialect.name == "sqlite" else None,
    )
    app.add_middleware(RequestLimits, settings=settings)
    for module in (
        health,
        users,
        reference,
        agreements,
        postings,
        rounds,
        proposals,
        placements,
        indicators,
        ledger,
        dashboard,
        audit,
    ):
        app.include_router(module.router)
    app.include_router(spreadsheets.router)
    app.include_router(dashboard_ui)
    document_page_size(app, settings.max_page_size)
    return app
