"""``hrhx serve``: the API, the dashboard and the round worker, on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import HostOption, PortOption, require_schema, upgrade_schema


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
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
