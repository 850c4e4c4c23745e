"""Schemathesis in CI: every operation of /openapi.json as each role (admin, planner, focal point,
viewer), derandomized, a few examples each (SQLite); bench/fuzz_api.py runs 200+ per operation."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

log = logging.getLogger(__name__)
EXAMPLES = int(os.environ.get("HRHX_FUZZ_EXAMPLES", "6"))


def test_fuzz_every_operation_as_every_role(tmp_path: Path) -> None:
    pytest.importorskip("schemathesis")
    from tests.reliability.fuzzing import ROLES, run_fuzz

    report = run_fuzz(tmp_path, max_examples=EXAMPLES)
    log.info("fuzz: %s", report.as_dict())
    assert not report.failures, "\n\n".join(report.failures)
    assert report.operations >= 40
    assert report.runs == report.operations * len(ROLES)
    assert report.examples >= report.runs
    assert not any(status >= 500 for status in report.statuses)
