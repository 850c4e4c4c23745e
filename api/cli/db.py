"""``hrhx db``: schema migrations."""

from __future__ import annotations

import typer

from api.cli.common import console, database_url, describe
from exchange.migrate import upgrade as migrate_upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    migrate_upgrade(database_url())
    console.print(f"database migrated: {describe()}")
