"""What every command shares: the console, the configured database, problem printing."""

from __future__ import annotations

from rich.console import Console

from exchange.config import get_settings
from exchange.db import describe_database, get_engine, reset_engine
from exchange.errors import ExchangeError, InvalidInput

console = Console()
err_console = Console(stderr=True)


def database_url() -> str:
    """The database the commands work on (``DATABASE_URL`` or the embedded SQLite file)."""
    return get_settings().effective_database_url


def refresh_configuration() -> None:
    """Read the environment again (after a command changed the database to use)."""
    get_settings.cache_clear()
    reset_engine()


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
