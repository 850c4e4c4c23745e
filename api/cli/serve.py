"""``hrhx serve``: the API, the dashboard and the round worker, on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import require_schema, upgrade_schema


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate",
            help="Upgrade the database's schema first (safe when several servers start at once).",
        ),
    ] = False,
) -> None:
    """Serve the API and dashboard on the configured database (its schema must be current)."""
    from api import server

    if migrate:
        upgrade_schema("serve")
    require_schema("serve")
    server.run(host, port)
