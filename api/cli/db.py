"""``hrhx db``: schema migrations, and where the database's schema stands."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import console, database_url, describe, err_console, upgrade_schema
from exchange.migrate import downgrade as migrate_downgrade
from exchange.migrate import schema_state

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    upgrade_schema("db upgrade")
    console.print(f"database migrated: {describe()}")


@app.command("downgrade")
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="The revision to go back to (`base`: an empty database).")
    ],
) -> None:
    """Migrate the database back to an older schema (what an older hrhx needs)."""
    migrate_downgrade(database_url(), revision)
    console.print(f"database at revision {revision}: {describe()}")


@app.command("status")
def status() -> None:
    """Say whether the database's schema is the one this hrhx needs (exit 1 when it is not)."""
    state = schema_state()
    advice = state.advice()
    if advice is not None:
        err_console.print(advice, soft_wrap=True, markup=False)
        raise typer.Exit(1)
    console.print(
        f"schema current (revision {state.revision}): {state.database}",
        soft_wrap=True,
        markup=False,
    )
