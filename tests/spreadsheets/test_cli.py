"""``hrhx postings import`` and ``hrhx postings template``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from exchange.config import get_settings
from exchange.db import get_engine, reset_engine, session_scope
from exchange.migrate import upgrade
from exchange.postings.tables import Deposit
from tests.exchange.factories import seed_reference


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{(tmp_path / 'cli.sqlite3').as_posix()}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engine()
    upgrade(url)
    with session_scope(get_engine()) as session:
        seed_reference(session)
    yield url
    reset_engine()
    get_settings.cache_clear()


def test_import_good_bad_dry_run_and_template(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,cadre,count,available_from,available_to\n"
        "n-1,2221,5,2027-01,2027-06\n"
        "n-2,2221,zero,2027-01,2027-13\n"
    )
    result = runner.invoke(app, ["postings", "import", str(bad), "--country", "NPL"])
    assert result.exit_code == 2
    assert "count" in result.output
    assert "'zero'" in result.output
    assert "available_to" in result.output
    good = tmp_path / "good.csv"
    good.write_text("id,cadre,count,available_from,available_to\nn-1,2221,5,2027-01,2027-06\n")
    result = runner.invoke(app, ["postings", "import", str(good), "--country", "NPL", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would import 1 deposits for NPL" in result.output
    with session_scope() as session:
        assert session.exec(select(Deposit)).all() == []
    result = runner.invoke(
        app, ["postings", "import", str(good), "--country", "npl", "--kind", "deposits"]
    )
    assert result.exit_code == 0, result.output
    assert "imported 1 deposits for NPL (5 workers): n-1" in result.output
    with session_scope() as session:
        assert [d.id for d in session.exec(select(Deposit)).all()] == ["n-1"]
    out = tmp_path / "w.xlsx"
    result = runner.invoke(app, ["postings", "template", "withdrawals", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes().startswith(b"PK")
