"""`bench/round_split.py`, the tool that splits a round's time into solver calls and the Python
and numpy around them, end to end on small hard rounds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.tool import run_tool


def test_each_seed_s_round_is_split_into_parts_that_add_up(tmp_path: Path) -> None:
    out = tmp_path / "split.jsonl"
    done = run_tool("round_split.py", "--seeds", "0-1", "--size", "400", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["seed"] for row in rows] == [0, 1]
    for row in rows:
        assert row["status"] == "OPTIMAL"
        steps = row["steps"]
        # every step of a round was seen, the solvers' calls among them
        for step in ("validate_scenario", "enumerate_pairs", "build", "explain", "solver"):
            assert steps[step] > 0, step
        assert abs(row["tiers"] + row["outside_tiers"] - row["wall"]) < 1e-2
        inside = steps["solver"] + steps.get("blocks", 0.0) + row["tiers_python_numpy"]
        assert abs(inside - row["tiers"]) < 1e-2
        assert row["tiers_python_numpy"] >= 0
    assert done.stdout.splitlines()[2].startswith("2 seeds")


def test_a_round_the_cap_refuses_stops_the_tool_with_the_reason_not_a_hang() -> None:
    """The round runs in a child process; when it fails, the parent says why and exits."""
    done = run_tool("round_split.py", "--seeds", "0", "--size", "400", "--max-class-pairs", "10")
    assert done.returncode != 0
    assert "seed 0: the round failed: RoundTooLarge: more than 10 eligible pairs" in done.stderr
