"""``hrhx indicators``: the WHO monitoring indicators, as rich tables or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, report_error, require_schema
from exchange.db import session_scope
from exchange.errors import ExchangeError
from exchange.identity.actor import SYSTEM
from exchange.indicators.schemas import Indicators
from exchange.indicators.service import indicators as compute
from exchange.spreadsheets.exports import indicators_table
from exchange.spreadsheets.reading import FileFormat
from exchange.spreadsheets.writing import render


def print_indicators(data: Indicators) -> None:
    """Each indicator as a table, with its definition and WHO Table 1 row under it."""
    for indicator in data.indicators:
        table = Table(title=indicator.name, caption=f"WHO Table 1: {indicator.who_table1}")
        columns = list(indicator.rows[0]) if indicator.rows else ["(no records)"]
        for column in columns:
            table.add_column(column)
        for row in indicator.rows:
            table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        console.print(table)
        console.print(f"[dim]{indicator.definition}[/]\n")


def indicators(
    country: Annotated[str | None, typer.Option(help="origin or destination (ISO3)")] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM")] = None,
    to: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month)")] = None,
    agreement: Annotated[str | None, typer.Option(help="agreement id")] = None,
    cadre: Annotated[str | None, typer.Option(help="ISCO-08 code")] = None,
    out: Annotated[Path | None, typer.Option(help="write a .csv or .xlsx file instead")] = None,
) -> None:
    """The monitoring indicators of the WHO guidance on bilateral agreements (Table 1) that the
    exchange computes from its placements, events and payments."""
    require_schema("indicators")
    try:
        with session_scope() as session:
            data = compute(
                session=session,
                actor=SYSTEM,
                period_from=period_from,
                period_to=to,
                country=country,
                agreement=agreement,
                cadre=cadre,
            )
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(1) from error
    if out is None:
        print_indicators(data)
        return
    file_format: FileFormat = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
    out.write_bytes(render(indicators_table(data), file_format))
    console.print(f"indicators written to {out}")
