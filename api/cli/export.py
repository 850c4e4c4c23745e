"""``hrhx export``: write what the exchange holds in the formats others read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

import solver
from api.cli.common import err_console, report_error, require_schema
from exchange.db import session_scope
from exchange.errors import ExchangeError
from exchange.scenarios.builder import build_scenario

app = typer.Typer(help="Export data.", no_args_is_help=True)


@app.command("scenario")
def scenario(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON); '-' for stdout.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Month YYYY-MM (default: this month).")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Only postings of these countries.")
    ] = None,
    cadre: Annotated[
        list[str] | None, typer.Option("--cadre", help="Only postings of these cadres.")
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="JSON file with the round's policy.")
    ] = None,
) -> None:
    """Freeze the open postings into a MATCHING.md scenario, checked by the solver's validator."""
    policy_data: dict[str, Any] = json.loads(policy.read_text()) if policy else {}
    if not isinstance(policy_data, dict):
        typer.echo(f"hrhx export scenario: {policy} must hold a JSON object (the policy)", err=True)
        raise typer.Exit(1)
    require_schema("export scenario")
    try:
        with session_scope() as session:
            data = build_scenario(
                session=session,
                policy=policy_data,
                as_of=as_of,
                countries=country or None,
                cadres=cadre or None,
            )
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(2) from error
    checked = solver.validate(data)
    if isinstance(checked, list):
        err_console.print("[bold red]the scenario is invalid[/]:")
        for problem in checked:
            err_console.print(f"  - {problem.path}: {problem.message}")
        raise typer.Exit(1)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    listed = sum(1 for c in data["countries"] if c["safeguard_listed"])
    err_console.print(
        f"wrote {out}: as of {data['as_of']}, {len(data['deposits'])} deposits, "
        f"{len(data['withdrawals'])} withdrawals, {len(data['agreements'])} agreements, "
        f"{len(data['countries'])} countries ({listed} safeguard-listed)"
    )
