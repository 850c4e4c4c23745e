"""``hrhx audit verify``, ``hrhx users revoke`` and ``hrhx users rotate`` on a SQLite file."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from exchange.audit.guard import install_guard, remove_guard
from exchange.db import get_engine
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
