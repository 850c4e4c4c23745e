"""Every ``hrhx`` command through Typer's runner, on a temporary SQLite database."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from exchange.db import get_engine, session_scope
from exchange.identity.service import authenticate
from exchange.identity.tables import User
from exchange.migrate import current_revision, head_revision
from exchange.postings.service import create_deposit, create_withdrawal
from tests.exchange.factories import ADMIN, deposit_payload, seed_reference, withdrawal_payload


def _seeded(runner: CliRunner) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with session_scope() as session:
        seed_reference(session)
    with session_scope() as session:
        create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d1"))
        create_withdrawal(session=session, actor=ADMIN, data=withdrawal_payload(id="w1"))


def test_db_upgrade_migrates_the_configured_database(cli_db: str, runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "migrated" in result.output
    assert current_revision(get_engine()) is not None


def test_users_create_prints_the_token_once(cli_db: str, runner: CliRunner) -> None:
    _seeded(runner)
    result = runner.invoke(
        app, ["users", "create", "Sita", "--role", "focal_point", "--country", "NPL"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with session_scope() as session:
        assert authenticate(session=session, token=token).country == "NPL"
        stored = session.exec(select(User)).one()
        assert token not in stored.token_hash
    listed = runner.invoke(app, ["users", "list"])
    assert "Sita" in listed.output
    assert token not in listed.output
    bad = runner.invoke(app, ["users", "create", "X", "--role", "king"])
    assert bad.exit_code == 2


def test_export_scenario_writes_a_valid_scenario(
    cli_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    _seeded(runner)
    out = tmp_path / "scenario.json"
    result = runner.invoke(app, ["export", "scenario", "--out", str(out), "--as-of", "2026-11"])
    assert result.exit_code == 0, result.output
    scenario = json.loads(out.read_text())
    assert scenario["as_of"] == "2026-11"
    assert [d["id"] for d in scenario["deposits"]] == ["d1"]
    assert [c["code"] for c in scenario["countries"] if c["safeguard_listed"]] == ["NPL"]
    bad = runner.invoke(app, ["export", "scenario", "--out", str(out), "--as-of", "11/2026"])
    assert bad.exit_code == 2


def test_solve_delegates_to_the_solver(cli_db: str, runner: CliRunner, tmp_path: Path) -> None:
    _seeded(runner)
    out = tmp_path / "scenario.json"
    runner.invoke(app, ["export", "scenario", "--out", str(out), "--as-of", "2026-11"])
    result = runner.invoke(app, ["solve", str(out), "--time-limit", "5", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] in {"OPTIMAL", "FEASIBLE"}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"as_of": "2026-11", "deposits": [{"id": "x"}]}))
    assert runner.invoke(app, ["solve", str(broken)]).exit_code == 2


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """``api.server.run`` replaced by a recorder: the (host, port) of each server started."""
    calls: list[tuple[str, int]] = []
    fake = types.ModuleType("api.server")
    fake.run = lambda host, port: calls.append((host, port))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "api.server", fake)
    import api

    monkeypatch.setattr(api, "server", fake, raising=False)
    return calls


def test_serve_calls_api_server_run(
    cli_db: str, runner: CliRunner, served: list[tuple[str, int]]
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8123)]


def test_serve_refuses_a_database_without_the_current_schema(
    cli_db: str, runner: CliRunner, served: list[tuple[str, int]]
) -> None:
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "hrhx serve: not run" in result.output
    assert "no hrhx schema" in result.output
    assert "hrhx db upgrade" in result.output
    assert served == []
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "downgrade", "0005"]).exit_code == 0
    older = runner.invoke(app, ["serve"])
    assert older.exit_code == 1
    assert "revision 0005" in older.output
    assert served == []


def test_serve_migrate_upgrades_the_schema_first(
    cli_db: str, runner: CliRunner, served: list[tuple[str, int]]
) -> None:
    result = runner.invoke(app, ["serve", "--migrate", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8124)]
    assert current_revision(get_engine()) == head_revision()


def test_db_status_says_whether_the_schema_is_current(cli_db: str, runner: CliRunner) -> None:
    empty = runner.invoke(app, ["db", "status"])
    assert empty.exit_code == 1
    assert "hrhx db upgrade" in empty.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(app, ["db", "status"])
    assert current.exit_code == 0, current.output
    assert f"schema current (revision {head_revision()})" in current.output
    down = runner.invoke(app, ["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert current_revision(get_engine()) is None


@pytest.mark.parametrize(
    "command",
    [
        ["users", "create", "ana", "--role", "admin"],
        ["users", "list"],
        ["export", "scenario", "--out", "-"],
        ["postings", "import", "{sheet}", "--country", "PHL"],
    ],
)
def test_commands_on_a_database_without_the_schema_say_what_to_run(
    cli_db: str, runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    """Instead of a traceback about a missing table: the command that fixes it, exit 1."""
    sheet = tmp_path / "deposits.csv"
    sheet.write_text("cadre,count\n2221,3\n")
    args = [str(sheet) if part == "{sheet}" else part for part in command]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"hrhx {' '.join(command[:2])}: not run" in result.output
    assert "hrhx db upgrade" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [["db", "upgrade"], ["serve", "--migrate"], ["fixtures", "load", "reference"]],
)
def test_upgrading_a_database_of_a_newer_hrhx_says_so(
    cli_db: str, runner: CliRunner, served: list[tuple[str, int]], command: list[str]
) -> None:
    """Alembic cannot upgrade from a revision it does not know: the advice, not its traceback."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    result = runner.invoke(app, command)
    assert result.exit_code == 1, result.output
    label = " ".join(part for part in command[:2] if not part.startswith("--"))
    assert f"hrhx {label}: not run" in result.output
    assert "newer hrhx" in result.output
    assert served == []
