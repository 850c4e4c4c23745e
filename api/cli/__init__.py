"""The ``hrhx`` command line: one module per command group, assembled here.

Every command works on the database that ``DATABASE_URL`` selects (default: an embedded SQLite file
under ``./var``, or ``HRHX_DATA_DIR``). ``main`` (the ``hrhx`` console script) turns an operator's
mistakes that only show up while a command runs (a database that does not answer or whose driver
is missing, an unknown migration revision, a file that cannot be read or written, a file that is
not JSON) into one line on standard error and exit code 1, instead of a traceback.
"""

from __future__ import annotations

import json
import sys

import typer
from alembic.util import CommandError
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from api.cli import (
    audit,
    db,
    demo,
    export,
    fixtures,
    indicators,
    postings,
    rounds,
    serve,
    solve,
    users,
)

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
app.add_typer(audit.app, name="audit")
app.add_typer(rounds.app, name="rounds")
app.command("indicators")(indicators.indicators)
app.command("solve")(solve.solve)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)

OPERATOR_ERRORS = (
    OperationalError,
    NoSuchModuleError,
    ModuleNotFoundError,
    ArgumentError,
    CommandError,
    OSError,
    json.JSONDecodeError,
)
"""What an operator can cause and fix: said in one line, without a traceback."""


def describe(error: BaseException) -> str:
    """One line saying what went wrong, and for a database, where to look."""
    if isinstance(error, OperationalError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"the database did not answer ({reason}); is it running, and is DATABASE_URL right?"
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return f"DATABASE_URL cannot be used: {error} (sqlite:/// or postgresql:// URLs are)"
    if isinstance(error, ModuleNotFoundError):
        return (
            f"{error}: is the driver DATABASE_URL names installed? (hrhx ships SQLite and psycopg)"
        )
    if isinstance(error, CommandError):
        return f"migration: {error}"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def main() -> None:
    """The ``hrhx`` console script: ``app`` with operator errors said in one line (exit 1)."""
    try:
        app()
    except OPERATOR_ERRORS as error:
        command = " ".join(arg for arg in sys.argv[1:3] if not arg.startswith("-"))
        typer.echo(f"hrhx {command}: {describe(error)}".replace("hrhx :", "hrhx:"), err=True)
        raise SystemExit(1) from None


__all__ = ["app", "main"]
