"""``hrhx audit``: check the audit log's hash chain."""

from __future__ import annotations

import typer

from api.cli.common import console, err_console, require_schema
from exchange.audit.service import verify_chain
from exchange.db import session_scope

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check every event's link in the hash chain; exit 1 naming the first event that breaks."""
    require_schema("audit verify")
    with session_scope() as session:
        report = verify_chain(session=session)
    if report.first_break is not None:
        err_console.print(
            f"[bold red]audit chain broken[/] at event {report.first_break.id}: "
            f"{report.first_break.reason} ({report.events} events)"
        )
        raise typer.Exit(1)
    console.print(f"audit chain intact: {report.events} events; head {report.head}")
