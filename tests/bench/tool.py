"""Running a `bench/` script end to end, as its tests do: in a child process from the checkout's
root, its output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
