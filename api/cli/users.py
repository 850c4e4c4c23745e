"""``hrhx users``: create users and their bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, report_error, require_schema
from exchange.codes import ROLES
from exchange.db import session_scope
from exchange.errors import ExchangeError
from exchange.identity.service import create_user, list_users

app = typer.Typer(help="Users and tokens.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A unique name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166-1 alpha-3 (focal points only).")
    ] = None,
) -> None:
    """Create a user and print its bearer token (shown this once; only its hash is stored)."""
    require_schema("users create")
    try:
        with session_scope() as session:
            user, token = create_user(session=session, name=name, role=role, country=country)
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(2) from error
    where = f" for {user.country}" if user.country else ""
    console.print(f"created {user.role} {user.name!r}{where} (id {user.id}); token (shown once):")
    typer.echo(token)


@app.command("list")
def list_() -> None:
    """List users (never their tokens)."""
    require_schema("users list")
    with session_scope() as session:
        users = list_users(session=session)
    table = Table("id", "name", "role", "country", "active")
    for user in users:
        table.add_row(str(user.id), user.name, user.role, user.country or "", str(user.active))
    console.print(table)
