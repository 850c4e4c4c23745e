"""``hrhx fixtures load`` and ``hrhx demo`` with the Asia-Pacific demo dataset (needs fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, func, select
from typer.testing import CliRunner

import solver
from api.cli import app
from exchange.db import session_scope
from exchange.postings.tables import Deposit, Withdrawal

try:
    from fixtures.datasets import load_dataset as _load_dataset  # noqa: F401
except ImportError:  # pragma: no cover - until the demo dataset exists
    HAVE_DATASET = False
else:
    HAVE_DATASET = True
needs_dataset = pytest.mark.skipif(not HAVE_DATASET, reason="fixtures.datasets not available")


def _counts() -> tuple[int, int]:
    with session_scope() as session:
        deposits = session.exec(select(func.count()).select_from(Deposit)).one()
        withdrawals = session.exec(select(func.count()).select_from(Withdrawal)).one()
    return int(deposits), int(withdrawals)


@needs_dataset
def test_fixtures_load_demo_loads_reference_first_and_is_idempotent(
    cli_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["fixtures", "load", "asia-pacific-demo"])
    assert result.exit_code == 0, result.output
    first = _counts()
    assert first[0] > 0
    assert first[1] > 0
    again = runner.invoke(app, ["fixtures", "load", "asia-pacific-demo"])
    assert again.exit_code == 0, again.output
    assert _counts() == first
    assert runner.invoke(app, ["fixtures", "load", "nothing"]).exit_code == 2

    out = tmp_path / "scenario.json"
    exported = runner.invoke(app, ["export", "scenario", "--out", str(out), "--as-of", "2026-11"])
    assert exported.exit_code == 0, exported.output
    scenario = json.loads(out.read_text())
    assert sum(1 for c in scenario["countries"] if c["safeguard_listed"]) == 55
    assert isinstance(solver.validate(scenario), solver.Scenario)
    with session_scope() as session:
        open_deposits = session.exec(
            select(func.count()).select_from(Deposit).where(col(Deposit.status) == "open")
        ).one()
    assert len(scenario["deposits"]) == open_deposits


@needs_dataset
def test_demo_builds_a_fresh_database_and_prints_the_summary(
    cli_db: str, runner: CliRunner
) -> None:
    result = runner.invoke(app, ["demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/dashboard" in result.output  # where it would serve
    assert "Open postings by country and cadre" in result.output
    assert "round 2: OPTIMAL" in result.output  # the round left for the countries to answer
    # the first round, booked in part, with illustrative events and payments (issue 20)
    assert "Placements booked" in result.output
    assert "Health-system benefit owed to origins" in result.output
    assert "Signed their employment contract before departure" in result.output
    assert "illustrative (hrhx demo)" in result.output
    for code in ("LANGUAGE_GAP", "SAFEGUARD_NOT_POSITIVE_LIST", "SAFEGUARD_NO_G2G", "WINDOW"):
        assert code in result.output  # unfilled positions by reason, each code whole
    assert "/dashboard" in result.output
    assert "demo-planner" in result.output
    first = _counts()
    again = runner.invoke(app, ["demo"])  # deletes the old file: same content, not twice
    assert again.exit_code == 0, again.output
    assert _counts() == first


def test_demo_refuses_a_port_out_of_range(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output
    assert "65535" in result.output


def test_demo_refuses_a_server_database(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from exchange.config import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db.example/hrhx")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "secret" not in result.output
