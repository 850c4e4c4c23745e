"""``hrhx demo``: a fresh embedded database with the reference data and the Asia-Pacific demo.

The steps are separate functions so that the demo can grow (run a round, serve the API):
``prepare_demo_database()`` builds the database, ``print_postings_summary()`` shows what it holds.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.engine import make_url

from api.cli.common import (
    HostOption,
    PortOption,
    console,
    database_url,
    describe,
    err_console,
)
from api.cli.fixtures import load_named
from exchange.db import reset_engine, session_scope
from exchange.postings.service import postings_summary
from exchange.reference.service import reference_summary

DEMO_DATASET = "asia-pacific-demo"


class DemoDatabaseError(RuntimeError):
    """The configured database is not an embedded SQLite file the demo may recreate."""


def demo_database_path() -> Path:
    """The SQLite file the demo recreates: the configured one (by default under ``./var``)."""
    url = make_url(database_url())
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise DemoDatabaseError(
            "hrhx demo recreates an embedded SQLite database; DATABASE_URL points at "
            f"{url.render_as_string(hide_password=True)} - unset it to use ./var"
        )
    return Path(url.database)


def prepare_demo_database() -> Path:
    """Delete the old demo file, migrate a new one, load reference data and the demo dataset."""
    path = demo_database_path()
    reset_engine()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    load_named(DEMO_DATASET)
    return path


def print_postings_summary() -> None:
    """Print the reference data loaded and the open postings by country and cadre."""
    with session_scope() as session:
        reference = reference_summary(session=session)
        rows = postings_summary(session=session)
    console.print(
        f"[bold]{describe()}[/]: {reference['countries']} countries "
        f"({reference['safeguard_listed']} safeguard-listed, {reference['aaah_members']} AAAH "
        f"members), {reference['cadres']} cadres, {reference['agreements']} agreements"
    )
    table = Table(title="Open postings by country and cadre")
    table.add_column("country")
    table.add_column("cadre")
    table.add_column("deposits", justify="right")
    table.add_column("workers offered", justify="right")
    table.add_column("withdrawals", justify="right")
    table.add_column("positions sought", justify="right")
    totals = [0, 0, 0, 0]
    for row in rows:
        values = [row.deposits, row.workers_offered, row.withdrawals, row.positions_sought]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        table.add_row(row.country, row.cadre, *(str(v) if v else "" for v in values))
    table.add_section()
    table.add_row("total", "", *(str(v) for v in totals), style="bold")
    console.print(table)


def demo(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Build a fresh demo database under ./var, show its postings, run and print a round, then
    serve the API and dashboard on HOST:PORT with demo tokens."""
    try:
        path = prepare_demo_database()
    except DemoDatabaseError as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from error
    console.print(f"demo database ready: {path}")
    print_postings_summary()
    from api.cli.demo_round import run_round_and_serve  # the API engineer's part: round + serve

    run_round_and_serve(host, port)
