"""`bench/master_profile.py`, the tool that times a hard round's GLOP masters one by one, end to
end on a hard round of 8,000 postings (smaller ones are solved whole, without a master)."""

from __future__ import annotations

from pathlib import Path

from tests.bench.tool import run_tool_for_json


def test_each_lp_s_masters_are_timed_and_the_warm_up_is_left_out(tmp_path: Path) -> None:
    _, record = run_tool_for_json(tmp_path, "master_profile.py", "--size", "8000", "--seed", "1")
    assert record["status"] == "OPTIMAL"
    lps = record["column_generation"]
    # one record per column-generation run of the round (one per LP tier at least), each with
    # the masters it solved; the warm-up's tiny round left none behind
    assert len(lps) >= 3
    assert all(lp["outcome"] in ("OPTIMAL", "INFEASIBLE") for lp in lps)
    assert all(lp["free_columns"] > 0 for lp in lps)
    assert any(lp["masters"] for lp in lps)
    for lp in lps:
        for master in lp["masters"]:
            assert master["columns"] > 0
            assert master["seconds"] >= 0
    assert record["wall_seconds"] > 0
    assert record["class_pairs"] > 0
