"""Running a `bench/` script end to end, as its tests do: in a child process from the checkout's
root, its output captured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_tool(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``bench/<script>`` run with ``args``; never raises on a failing exit."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def run_tool_for_json(
    tmp_path: Path, script: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``bench/<script>`` run with ``args`` and ``--out`` a file in ``tmp_path``: the run, which
    must succeed, and the JSON it wrote."""
    out = tmp_path / "out.json"
    done = run_tool(script, *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())
