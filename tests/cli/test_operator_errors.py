"""An operator's mistake that shows up only while a command runs is one line on standard error and
exit code 1, never a traceback (``api.cli.main``, the ``hrhx`` console script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def hrhx(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(run: subprocess.CompletedProcess[str], starts: str) -> str:
    assert run.returncode == 1, run
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


def test_a_database_that_does_not_answer() -> None:
    run = hrhx("db", "status", database_url="postgresql://postgres@127.0.0.1:1/none")
    line = _one_line(run, "hrhx db status: the database did not answer")
    assert "is DATABASE_URL right?" in line


def test_a_database_url_whose_driver_is_not_installed() -> None:
    run = hrhx("users", "list", database_url="mysql://u@localhost/x")
    line = _one_line(run, "hrhx users list: No module named")
    assert "driver" in line


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert hrhx("db", "upgrade", database_url=url).returncode == 0
    return url


def test_files_and_revisions_that_cannot_be_used(migrated: str, tmp_path: Path) -> None:
    _one_line(
        hrhx("db", "downgrade", "zzz", database_url=migrated), "hrhx db downgrade: migration:"
    )
    out = str(tmp_path / "s.json")
    missing = hrhx(
        "export", "scenario", "--policy", "/no/such.json", "-o", out, database_url=migrated
    )
    _one_line(missing, "hrhx export scenario: [Errno 2] No such file or directory")
    bad = tmp_path / "bad.json"
    bad.write_text("{bad")
    run = hrhx("export", "scenario", "--policy", str(bad), "-o", out, database_url=migrated)
    _one_line(run, "hrhx export scenario: Expecting property name")
    bad.write_text("[1]")
    run = hrhx("export", "scenario", "--policy", str(bad), "-o", out, database_url=migrated)
    _one_line(run, "hrhx export scenario:")
    assert "must hold a JSON object" in run.stderr
    run = hrhx("postings", "template", "deposits", "-o", "/no/dir/t.csv", database_url=migrated)
    _one_line(run, "hrhx postings template: [Errno 2]")
