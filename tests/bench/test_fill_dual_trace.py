"""`bench/fill_dual_trace.py`, the tool that records tier 2's weighted LPs step by step, end
to end on a small hard round sent through the pooled path."""

from __future__ import annotations

from pathlib import Path

from tests.bench.tool import run_tool_for_json


def test_tier_2_s_weighted_lps_are_traced_in_order(tmp_path: Path) -> None:
    _, row = run_tool_for_json(
        tmp_path,
        "fill_dual_trace.py",
        "--size",
        "3000",
        "--seed",
        "1",
        # the pooled path (a round this small is otherwise solved whole), and a step always
        "--set",
        "solver.tiers.WHOLE_TIER_2=False",
        "--set",
        "solver.pooled.LOOSE_GAP=0.0",
    )
    assert row["status"] == "OPTIMAL"
    assert row["class_pairs"] > 0
    events = row["events"]
    lps = [e for e in events if e["event"] == "lp"]
    # the pooled LPs first, then at least one step of the fill duals, each with its level
    assert lps[0]["by"] == "pooled_fill_bound"
    assert any(e["by"] == "fill_dual_bound" for e in lps)
    assert any(e["event"] == "level" for e in events)
    assert any(e["event"] == "lower" for e in events)
    # the round's own events only (not the warm-up's), in the order they happened
    times = [e["at"] for e in events]
    assert times == sorted(times)
    # no weighted LP bounds the level below what the round reached
    z = row["objective"]["min_fill_permille"]
    assert all(e["level"] >= z for e in events if e["event"] == "level")
    assert row["settings"] == [
        "solver.tiers.WHOLE_TIER_2=False",
        "solver.pooled.LOOSE_GAP=0.0",
    ]
