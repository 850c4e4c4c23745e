"""``hrhx serve``: run the HTTP API (``api.server``, imported only when serving)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the API and dashboard on the configured database."""
    from api import server

    server.run(host, port)
