"""Serving the API with uvicorn, with the round worker running in the same process."""

from __future__ import annotations

import uvicorn

from api.app import create_app


def run(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API on ``host:port`` with the round worker; returns when the server stops."""
    app = create_app(start_worker=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


def app_factory() -> object:
    """For ``uvicorn --factory api.server:app_factory``: the app with the round worker."""
    return create_app(start_worker=True)
