"""What every command shares: the console, the configured database, problem printing."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from exchange.config import get_settings
from exchange.db import describe_database, get_engine, reset_engine
from exchange.errors import ExchangeError, InvalidInput
from exchange.migrate import SchemaNotCurrent, require_current_schema, schema_state, upgrade

console = Console()
err_console = Console(stderr=True)

HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")]
"""Where ``hrhx serve`` and ``hrhx demo`` listen."""


def database_url() -> str:
    """The database the commands work on (``DATABASE_URL`` or the embedded SQLite file)."""
    return get_settings().effective_database_url


def refresh_configuration() -> None:
    """Read the environment again (after a command changed the database to use)."""
    get_settings.cache_clear()
    reset_engine()


def upgrade_schema(command: str) -> None:
    """Migrate the database to this hrhx's schema; stop (exit 1) with the advice when a newer hrhx
    migrated it, which no upgrade of this version can undo."""
    state = schema_state(get_engine())
    if not state.upgradable:
        _refuse(command, str(state.advice()))
    upgrade(database_url())


def require_schema(command: str) -> None:
    """Stop ``command`` (exit 1) with the fix when the database's schema is not the one this hrhx
    needs (never migrated, older, or from a newer hrhx), instead of failing on a missing table."""
    try:
        require_current_schema(get_engine())
    except SchemaNotCurrent as refused:
        _refuse(command, str(refused))


def _refuse(command: str, reason: str) -> NoReturn:
    err_console.print(f"[bold red]hrhx {command}: not run[/]: {escape(reason)}", soft_wrap=True)
    raise typer.Exit(1)


def describe() -> str:
    """The database in use, without its password."""
    return describe_database(get_engine())


def report_error(error: ExchangeError) -> None:
    """Print a domain error, with every problem of an invalid input, on standard error."""
    if not isinstance(error, InvalidInput):
        err_console.print(f"[bold red]{error.title}[/]: {error.detail}", markup=True)
        return
    err_console.print(f"[bold red]{error.title}[/]:")
    if isinstance(error, InvalidInput):
        for problem in error.problems:
            loc = ".".join(str(part) for part in problem.loc)
            err_console.print(f"  - {loc}: {problem.msg}")
