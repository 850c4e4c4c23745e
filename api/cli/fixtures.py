"""``hrhx fixtures``: load reference data and demo datasets into the database."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import console, upgrade_schema
from exchange.db import session_scope
from exchange.reference.service import DATASETS, load_dataset, load_reference

app = typer.Typer(help="Reference data and demo datasets.", no_args_is_help=True)

NAMES = ("reference", *DATASETS)


def load_named(name: str) -> dict[str, int]:
    """Load ``reference`` or a dataset (its reference data first); the counts of rows written."""
    upgrade_schema("fixtures load")
    if name == "reference":
        with session_scope() as session:
            return load_reference(session=session)
    with session_scope() as session:
        counts = load_reference(session=session)
    with session_scope() as session:
        counts.update(load_dataset(session=session, name=name))
    return counts


@app.command("load")
def load(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(NAMES)}.")],
) -> None:
    """Load reference data (``reference``) or a demo dataset (which loads the reference first)."""
    if name not in NAMES:
        console.print(f"[red]unknown fixtures {name!r}[/]; one of: {', '.join(NAMES)}")
        raise typer.Exit(2)
    counts = load_named(name)
    summary = ", ".join(f"{count} {what}" for what, count in counts.items())
    console.print(f"loaded {name}: {summary}")
