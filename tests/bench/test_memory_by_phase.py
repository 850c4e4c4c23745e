"""`bench/memory_by_phase.py`, the tool that charges a round's resident memory to its phases,
end to end on a small hard round."""

from __future__ import annotations

from pathlib import Path

from tests.bench.tool import run_tool, run_tool_for_json


def test_a_round_s_memory_is_read_phase_by_phase(tmp_path: Path) -> None:
    done, row = run_tool_for_json(tmp_path, "memory_by_phase.py", "--size", "3000", "--seed", "1")
    assert row["status"] == "OPTIMAL"
    names = [phase["phase"] for phase in row["phases"]]
    # the round's steps and the tier engine's LPs were each seen running, in order
    for step in ("enumerate_pairs", "RoundModel", "solve_lp_columns", "explain"):
        assert step in names, names
    assert names.index("enumerate_pairs") < names.index("RoundModel") < names.index("explain")
    # a reading between phases is charged to the phase it follows
    assert "(after enumerate_pairs)" in names or "(after explain)" in names, names
    assert "(between phases)" not in names
    # the round holds more than the process did before it (the kernel's own peak, ru_maxrss,
    # is kept lazily, so a reading may pass it by a little)
    highest = max(phase["peak_mb"] for phase in row["phases"])
    assert row["resident_before_mb"] < highest
    assert row["resident_before_mb"] <= row["peak_mb"]
    assert done.stdout.startswith("OPTIMAL in ")


def test_a_setting_the_solver_lacks_stops_with_a_message(tmp_path: Path) -> None:
    done = run_tool(
        "memory_by_phase.py",
        "--size",
        "300",
        "--set",
        "solver.pooled.NO_SUCH=1",
        "--out",
        str(tmp_path / "x.json"),
    )
    assert done.returncode != 0
    assert "solver.pooled has no NO_SUCH" in done.stderr
