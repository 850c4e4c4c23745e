"""``hrhx users``: create users, revoke them, and give them new bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, report_error, require_schema
from exchange.codes import ROLES
from exchange.db import session_scope
from exchange.errors import ExchangeError
from exchange.identity.service import (
    create_user,
    get_user_by_name,
    issue_token,
    list_users,
    revoke_user,
)

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


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Revoke a user: its token is refused at once, by every server (audited)."""
    require_schema("users revoke")
    try:
        with session_scope() as session:
            user = get_user_by_name(session=session, name=name)
            was_active = user.active
            revoke_user(session=session, user_id=int(user.id or 0))
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(2) from error
    console.print(
        f"revoked {user.role} {user.name!r} (id {user.id})"
        if was_active
        else f"{user.name!r} was already revoked"
    )


@app.command("rotate")
def rotate(name: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Give a user a new token and print it (shown this once); the old one is refused at once."""
    require_schema("users rotate")
    try:
        with session_scope() as session:
            user = get_user_by_name(session=session, name=name)
            user, token = issue_token(session=session, user_id=int(user.id or 0))
    except ExchangeError as error:
        report_error(error)
        raise typer.Exit(2) from error
    console.print(f"new token for {user.role} {user.name!r} (id {user.id}; shown once):")
    typer.echo(token)
