"""``hrhx postings``: import deposits or withdrawals from a CSV or XLSX sheet, write templates.

``hrhx postings import FILE --country ISO3`` creates every posting of the sheet in one
transaction, or none: when any row is bad, every problem is printed with its row number, column
and reason, and the command exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, err_console, report_error, require_schema
from exchange.db import session_scope
from exchange.errors import ExchangeError, InvalidInput
from exchange.identity.actor import Actor
from exchange.spreadsheets.columns import PostingKind
from exchange.spreadsheets.importing import import_postings
from exchange.spreadsheets.reading import FileFormat
from exchange.spreadsheets.templates import template

app = typer.Typer(help="Import deposits and withdrawals from spreadsheets.", no_args_is_help=True)

OPERATOR = Actor(user_id=None, name="cli-import", role="admin")
"""The actor of a command-line import: an operator on the server acting for ``--country``."""


def print_problems(error: InvalidInput) -> None:
    """Every problem of a rejected sheet as a table: row, column, reason."""
    table = Table(title=error.detail, title_justify="left")
    table.add_column("row", justify="right")
    table.add_column("column")
    table.add_column("problem")
    for problem in error.problems:
        loc = list(problem.loc)
        if loc and loc[0] == "row" and len(loc) >= 3:
            row, column = str(loc[1]), ".".join(str(p) for p in loc[2:])
        else:
            row, column = "", ".".join(str(p) for p in loc)
        table.add_row(row, column, problem.msg)
    err_console.print(table)


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="A .csv or .xlsx file.", exists=True, dir_okay=False)
    ],
    country: Annotated[
        str, typer.Option("--country", help="ISO 3166-1 alpha-3 country the postings are for.")
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="deposits or withdrawals (default: from the XLSX sheet's name or the columns).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the sheet, import nothing.")
    ] = False,
) -> None:
    """Import every posting of FILE for one country, or none if any row is bad.

    The header row names the template's columns; an empty cell takes the default. Lists:
    relocation;remote. Languages: en:B2;de:B1. Get a template with `hrhx postings template`.
    """
    if kind is not None and kind not in ("deposits", "withdrawals"):
        err_console.print(f"[red]--kind must be deposits or withdrawals, not {kind!r}[/]")
        raise typer.Exit(2)
    chosen: PostingKind | None = kind  # type: ignore[assignment]
    require_schema("postings import")
    try:
        with session_scope() as session:
            result = import_postings(
                session=session,
                actor=OPERATOR,
                content=file.read_bytes(),
                filename=file.name,
                kind=chosen,
                country=country,
            )
            if dry_run:
                session.rollback()
    except InvalidInput as error:
        print_problems(error)
        raise typer.Exit(2) from error
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(2) from error
    what = "workers" if result.kind == "deposits" else "positions"
    verb = "would import" if dry_run else "imported"
    console.print(
        f"{verb} {result.imported} {result.kind} for {result.country} "
        f"({result.workers} {what}): {', '.join(result.ids)}",
        soft_wrap=True,
        highlight=False,
    )


@app.command("template")
def template_(
    kind: Annotated[str, typer.Argument(help="deposits or withdrawals")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write it (default: hrhx-KIND.FORMAT)."),
    ] = None,
    file_format: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "xlsx",
) -> None:
    """Write an empty import template (the XLSX one has a help sheet for every column)."""
    if kind not in ("deposits", "withdrawals") or file_format not in ("csv", "xlsx"):
        err_console.print("[red]KIND is deposits or withdrawals; --format is csv or xlsx[/]")
        raise typer.Exit(2)
    path = output or Path(f"hrhx-{kind}.{file_format}")
    chosen_kind: PostingKind = kind  # type: ignore[assignment]
    chosen_format: FileFormat = file_format  # type: ignore[assignment]
    path.write_bytes(template(chosen_kind, chosen_format))
    console.print(f"wrote {path}")
