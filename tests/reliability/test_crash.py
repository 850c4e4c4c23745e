"""Crash consistency in CI: kill -9 the real server during a close, a few times per engine."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.api.conftest import seed
from tests.reliability.crashing import run_trials

pytestmark = pytest.mark.e2e
log = logging.getLogger(__name__)
TRIALS = int(os.environ.get("HRHX_CRASH_TRIALS", "3"))


def test_kill_during_close_leaves_all_or_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    tokens = seed(engine)
    report = run_trials(
        engine_name=engine.dialect.name,
        database_url=database_url,
        engine=engine,
        tokens=tokens,
        workdir=tmp_path,
        trials=TRIALS,
        pairs=6,
    )
    log.info("crash: %s", report.as_dict())
    assert not report.problems, "\n".join(report.problems)
    assert report.trials == TRIALS
