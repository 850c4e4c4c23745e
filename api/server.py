"""Serving the API with uvicorn, with the round worker running in the same process."""

from __future__ import annotations

import logging

import uvicorn
from uvicorn.logging import DefaultFormatter

from api.app import create_app


def configure_logging() -> None:
    """The exchange's own log lines (``hrhx.*``: rounds claimed, proposed, failed) on standard
    error at INFO, formatted as uvicorn's own; once per process."""
    logger = logging.getLogger("hrhx")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s", use_colors=False))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def run(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API on ``host:port`` with the round worker; returns when the server stops."""
    configure_logging()
    app = create_app(start_worker=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


def app_factory() -> object:
    """For ``uvicorn --factory api.server:app_factory``: the app with the round worker."""
    configure_logging()
    return create_app(start_worker=True)
