"""`bench/side_by_side.py`, the tool that judges a solver change against its baseline, end to end.

It runs each side in a child process; a wrong setting must stop it with a message before any
round is solved, and its summary must say whether the two sides agree.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from tests.bench.tool import run_tool

run = partial(run_tool, "side_by_side.py")


def test_two_seeds_side_by_side_write_a_line_each_and_agree(tmp_path: Path) -> None:
    out = tmp_path / "sbs.jsonl"
    done = run(
        "--seeds",
        "0-1",
        "--size",
        "400",
        "--variant",
        "solver.tiers.ELASTIC_TIER_3=False",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["seed"] for row in rows] == [0, 1]
    for row in rows:
        assert row["base"]["status"] == row["variant"]["status"] == "OPTIMAL"
        assert row["base"]["objective"] == row["variant"]["objective"]
        assert row["base"]["wall"] > 0
    assert "2 seeds" in done.stdout
    assert "the same status and objectives on every seed" in done.stdout


def test_a_setting_that_names_nothing_stops_the_run_with_its_name() -> None:
    done = run("--seeds", "0", "--size", "400", "--variant", "solver.tiers.NO_SUCH=1")
    assert done.returncode != 0
    assert "solver.tiers has no NO_SUCH" in done.stderr


def test_a_value_that_is_not_a_literal_is_refused_before_any_round() -> None:
    done = run("--seeds", "0", "--size", "400", "--variant", "solver.tiers.DEFER=Flase")
    assert done.returncode == 2
    assert "'Flase' is not a Python literal" in done.stderr


def test_the_round_size_cap_reaches_each_side_s_round() -> None:
    """``--max-class-pairs`` is the round's cap on both sides (hard XL needs it lifted)."""
    done = run("--seeds", "0", "--size", "400", "--max-class-pairs", "10")
    assert done.returncode != 0
    assert "more than 10 eligible pairs" in done.stderr
