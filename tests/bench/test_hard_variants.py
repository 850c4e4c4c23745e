"""`bench/hard_variants.py`, the robustness sweep over the hard generator's policies, end to end:
each seed and variant solved and recorded, a solver constant set for the whole run, and a
wrong name stopped before any round."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from tests.bench.tool import run_tool, run_tool_for_json

run = partial(run_tool, "hard_variants.py")


def test_each_seed_and_variant_is_solved_and_recorded(tmp_path: Path) -> None:
    variants = ["--only", "as generated,free training"]
    setting = ["--set", "solver.tiers.WHOLE_TIER_2=False"]
    args = ("--size", "300", "--seeds", "0-1", *variants, *setting)
    _, doc = run_tool_for_json(tmp_path, "hard_variants.py", *args)
    assert doc["settings"] == ["solver.tiers.WHOLE_TIER_2=False"]
    runs = [(row["seed"], row["variant"], row["status"]) for row in doc["runs"]]
    assert runs == [
        (0, "as generated", "OPTIMAL"),
        (0, "free training", "OPTIMAL"),
        (1, "as generated", "OPTIMAL"),
        (1, "free training", "OPTIMAL"),
    ]
    # free training bridges every language gap: more pairs than the round as generated
    pairs = {(row["seed"], row["variant"]): row["class_pairs"] for row in doc["runs"]}
    assert pairs[0, "free training"] > pairs[0, "as generated"]


def test_an_unknown_variant_or_setting_stops_before_any_round() -> None:
    unknown = run("--size", "300", "--only", "no such variant")
    assert unknown.returncode != 0
    assert "unknown variants ['no such variant']" in unknown.stderr
    typo = run("--size", "300", "--only", "as generated", "--set", "solver.tiers.NO_SUCH=1")
    assert typo.returncode != 0
    assert "solver.tiers has no NO_SUCH to set" in typo.stderr
    assert "OPTIMAL" not in typo.stdout
