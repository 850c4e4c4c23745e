"""`bench/solver_ladder.py` end to end on its smallest size: our solver in its child process,
the round-size cap passed through (`--max-class-pairs`, which hard XL needs to be solved)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from tests.bench.tool import run_tool

run = partial(run_tool, "solver_ladder.py", "--generator", "hard", "--sizes", "S")


def test_the_round_size_cap_reaches_our_solver(tmp_path: Path) -> None:
    capped, default = tmp_path / "capped.json", tmp_path / "default.json"
    done = run("--no-baselines-above", "0", "--max-class-pairs", "10", "--out", str(capped))
    assert done.returncode == 0, done.stderr
    ours = json.loads(capped.read_text())[0]["ours"]
    assert ours["status"] == "TOO_LARGE"
    assert ours["error"].startswith("more than 10 eligible pairs")
    done = run("--no-baselines-above", "0", "--out", str(default))
    assert done.returncode == 0, done.stderr
    ours = json.loads(default.read_text())[0]["ours"]
    assert ours["status"] == "OPTIMAL"
    assert ours["stats"]["class_pairs"] > 10
