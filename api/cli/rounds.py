"""``hrhx rounds``: compare two solved rounds (a live round and its what-if, typically)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, report_error, require_schema
from exchange.db import session_scope
from exchange.errors import ExchangeError
from exchange.identity.actor import SYSTEM
from exchange.rounds.compare import compare_rounds

app = typer.Typer(help="Matching rounds.", no_args_is_help=True)


def _signed(value: int) -> str:
    return f"[green]+{value}[/]" if value > 0 else (f"[red]{value}[/]" if value < 0 else "0")


@app.command("compare")
def compare(
    a: Annotated[int, typer.Argument(help="the first round (a)")],
    b: Annotated[int, typer.Argument(help="the round to compare it with (b); deltas are b - a")],
) -> None:
    """Tiers, filled positions per destination, workers per route, and the postings placed
    differently (with the reasons that held them back) of two solved rounds."""
    require_schema("rounds compare")
    try:
        with session_scope() as session:
            result = compare_rounds(session=session, actor=SYSTEM, round_id=a, other_id=b)
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(1) from error
    tiers = Table(title=f"Round {a} against round {b}: tiers")
    for column in ("tier", f"round {a}", f"round {b}", "delta"):
        tiers.add_column(column, justify="left" if column == "tier" else "right")
    for t in result.tiers:
        tiers.add_row(t.tier, str(t.a), str(t.b), _signed(t.delta))
    console.print(tiers)
    places = Table(title="Positions filled per destination")
    for column in ("destination", "requested", f"round {a}", f"round {b}", "delta"):
        places.add_column(column, justify="left" if column == "destination" else "right")
    for d in result.destinations:
        places.add_row(
            d.destination, str(d.requested), str(d.filled_a), str(d.filled_b), _signed(d.delta)
        )
    console.print(places)
    routes = Table(title="Workers per route")
    for column in ("origin", "destination", "cadre", f"round {a}", f"round {b}", "delta"):
        routes.add_column(column, justify="right" if column.startswith("round") else "left")
    for r in result.routes:
        routes.add_row(
            r.origin, r.destination, r.cadre, str(r.workers_a), str(r.workers_b), _signed(r.delta)
        )
    console.print(routes)
    postings = Table(title="Postings placed differently")
    for column in ("posting", "country", f"round {a}", f"round {b}", "held back by"):
        postings.add_column(column)
    for p in result.postings:
        reasons = "; ".join(f"{x.get('code')}: {x.get('detail', '')}" for x in p.reasons)
        postings.add_row(
            f"{p.side} {p.id}",
            p.country,
            str(p.placed_a),
            str(p.placed_b),
            f"(in round {a if p.less_in == 'a' else b}) {reasons}",
        )
    console.print(postings)
