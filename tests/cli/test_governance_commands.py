"""``hrhx audit verify``, ``hrhx users revoke`` and ``hrhx users rotate`` on a SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from exchange.audit.guard import install_guard, remove_guard
from exchange.audit.tables import AuditEvent
from exchange.db import get_engine, session_scope
from exchange.errors import Unauthorized
from exchange.identity.service import authenticate
from tests.cli.test_commands import _seeded


def test_audit_verify_says_intact_then_names_the_broken_event(
    cli_db: str, runner: CliRunner
) -> None:
    _seeded(runner)
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 2 events" in ok.output
    with get_engine().begin() as connection:
        remove_guard(connection)
        connection.execute(text("DELETE FROM audit_events WHERE entity_id = 'd1'"))
        install_guard(connection)
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at event 2" in broken.output


def test_users_revoke_and_rotate(cli_db: str, runner: CliRunner) -> None:
    _seeded(runner)
    made = runner.invoke(app, ["users", "create", "sita", "--role", "viewer"])
    old = made.output.strip().splitlines()[-1]
    rotated = runner.invoke(app, ["users", "rotate", "sita"])
    assert rotated.exit_code == 0, rotated.output
    new = rotated.output.strip().splitlines()[-1]
    assert new != old
    with session_scope() as session:
        assert authenticate(session=session, token=new).name == "sita"
        with pytest.raises(Unauthorized):
            authenticate(session=session, token=old)
    revoked = runner.invoke(app, ["users", "revoke", "sita"])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked viewer 'sita'" in revoked.output
    again = runner.invoke(app, ["users", "revoke", "sita"])
    assert again.exit_code == 0
    assert "already revoked" in again.output
    with session_scope() as session:
        with pytest.raises(Unauthorized):
            authenticate(session=session, token=new)
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["user.create", "user.token", "user.revoke"]
    assert runner.invoke(app, ["users", "rotate", "sita"]).exit_code == 2  # revoked: no token
    assert runner.invoke(app, ["users", "revoke", "nobody"]).exit_code == 2
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
