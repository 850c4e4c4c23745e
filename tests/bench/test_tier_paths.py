"""`bench/tier_paths.py`, the tool that lists the tier engine's calls on a hard round, end to end
on a hard round of 8,000 postings."""

from __future__ import annotations

from pathlib import Path

from tests.bench.tool import run_tool_for_json


def test_every_tier_s_calls_are_listed_in_order_with_their_time_and_memory(
    tmp_path: Path,
) -> None:
    done, record = run_tool_for_json(tmp_path, "tier_paths.py", "--size", "8000", "--seed", "1")
    assert record["status"] == "OPTIMAL"
    events = record["events"]
    calls = [e["call"] for e in events]
    # the LP tiers by column generation, tier 2 by its pooled bound; the warm-up's round left
    # nothing behind (the clock starts with the round)
    assert calls.count("solve_lp_columns") >= 3
    assert "pooled_fill_bound" in calls
    assert all(e["at"] >= 0 for e in events)
    # listed as they end (a call inside another ends first), each from the round's start
    ends = [e["at"] + e["seconds"] for e in events]
    assert all(b >= a - 0.02 for a, b in zip(ends, ends[1:], strict=False))
    assert all(e["seconds"] >= 0 and 0 < e["resident_mb"] <= e["peak_mb"] for e in events)
    lp = next(e for e in events if e["call"] == "solve_lp_columns")
    assert lp["returned"] == "OPTIMAL"
    assert "the slowest calls" in done.stdout
    # each call also said on stderr as it begins (a call that never ends is named) and as it
    # ends, the warm-up's round's too
    said = done.stderr.splitlines()
    began = [line for line in said if " begins at " in line]
    ended = [line for line in said if " ends: " in line]
    assert len(began) == len(ended) >= len(events)
    assert sum("solve_lp_columns begins at" in line for line in began) >= 3
