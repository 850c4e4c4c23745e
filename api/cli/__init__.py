"""The ``hrhx`` command line: one module per command group, assembled here.

Every command works on the database that ``DATABASE_URL`` selects (default: an embedded SQLite file
under ``./var``, or ``HRHX_DATA_DIR``).
"""

from __future__ import annotations

import typer

from api.cli import db, demo, export, fixtures, postings, serve, solve, users

app = typer.Typer(
    name="hrhx",
    help="HRH exchange: deposit surplus health workers, withdraw positions, match them fairly.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(fixtures.app, name="fixtures")
app.add_typer(export.app, name="export")
app.add_typer(users.app, name="users")
app.add_typer(postings.app, name="postings")
app.command("solve")(solve.solve)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)

__all__ = ["app"]
