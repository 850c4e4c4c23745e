"""Solving in a child process (exchange.rounds.solver_process): same outcome as in the thread, and
every way a child can fail ends in an error that names it, with the next solve working again."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import solver
from exchange.rounds.solver_process import SolverProcess, solve_and_send
from exchange.rounds.solving import Solved, SolverError, SolverShutDown, solve_here
from fixtures.generator import generate_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests/solver/data/asia-pacific-mini.json"


@pytest.fixture(scope="module")
def process() -> Iterator[SolverProcess]:
    child = SolverProcess()
    child.start()
    yield child
    child.stop()


def _text(scenario: dict[str, Any]) -> str:
    return json.dumps(scenario)


def _solve(
    child: SolverProcess, scenario: dict[str, Any], **kwargs: Any
) -> tuple[Solved, list[str]]:
    seen: list[str] = []
    solved = child.solve(
        scenario,
        _text(scenario),
        on_progress=lambda event: seen.append(f"progress {event.tier_name}"),
        max_class_pairs=kwargs.get("max_class_pairs"),
    )
    return solved, seen


def _without_timings(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text)
    result.pop("stats")
    return result


def test_the_child_gives_what_the_thread_gives(process: SolverProcess) -> None:
    scenario = json.loads(EXAMPLE.read_text())
    expected = solve_here(scenario, on_progress=lambda _e: None, max_class_pairs=None)
    solved = process.solve(
        scenario, _text(scenario), on_progress=lambda _e: None, max_class_pairs=None
    )
    assert (solved.rows, solved.objective) == (expected.rows, expected.objective)
    assert solved.status == expected.status == "OPTIMAL"
    assert _without_timings(solved.text) == _without_timings(expected.text)


def test_progress_then_the_result(process: SolverProcess) -> None:
    solved, seen = _solve(process, generate_scenario(300, seed=2))
    assert solved.status == "OPTIMAL"
    assert solved.rows
    assert any(s.startswith("progress") for s in seen)


def test_a_refused_round_raises_round_too_large_and_the_child_goes_on(
    process: SolverProcess,
) -> None:
    scenario = generate_scenario(300, seed=3)
    with pytest.raises(solver.RoundTooLarge, match="eligible pairs"):
        _solve(process, scenario, max_class_pairs=1)
    assert _solve(process, scenario)[0].status == "OPTIMAL"


def test_an_invalid_scenario_is_a_result_naming_its_problems(process: SolverProcess) -> None:
    scenario = json.loads(EXAMPLE.read_text())
    scenario["deposits"][0]["count"] = -1
    solved, seen = _solve(process, scenario)
    assert solved.status == "INVALID"
    assert solved.problems is not None
    assert "deposits" in solved.problems
    assert seen == []  # no progress for an invalid scenario
    assert solved.rows == []


class _Recorder:
    """A stand-in for the child's end of the socket: what is sent, and whether the cyclic
    collector was on as it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def send(self, message: tuple[Any, ...]) -> None:
        self.sent.append((message[0], gc.isenabled()))


@pytest.mark.parametrize("max_class_pairs", [None, 1], ids=["solved", "refused"])
def test_the_child_solves_with_the_collector_paused_and_resumes_it(
    max_class_pairs: int | None,
) -> None:
    assert gc.isenabled()
    conn = _Recorder()
    text = json.dumps(generate_scenario(300, seed=4)).encode()
    solve_and_send(conn, text, max_class_pairs)  # type: ignore[arg-type]
    kinds = [kind for kind, _ in conn.sent]
    last = "solved" if max_class_pairs is None else "refused"
    assert kinds[-1] == last
    # progress and the result are sent while paused; a refusal once the pause is over
    assert all(not enabled for kind, enabled in conn.sent if kind != "refused")
    assert gc.isenabled()  # on again afterwards, whatever the outcome


def test_a_child_killed_mid_solve_is_an_error_and_the_next_solve_gets_a_new_one() -> None:
    child = SolverProcess()
    try:
        scenario = generate_scenario(2000, seed=1)
        child.send(_text(scenario), max_class_pairs=None)
        pid = child.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(SolverError, match=r"the solver process stopped \(exit code -9\)"):
            child.receive(on_progress=lambda _e: None, overrun_s=60)
        solved, _ = _solve(child, json.loads(EXAMPLE.read_text()))
        assert solved.status == "OPTIMAL"
        assert child.pid != pid
    finally:
        child.stop()


def test_a_solve_running_far_past_its_limit_is_stopped() -> None:
    child = SolverProcess()
    try:
        child.send(_text(generate_scenario(2000, seed=1)), max_class_pairs=None)
        started = time.monotonic()
        with pytest.raises(SolverError, match=r"ran past 0.01 s and was stopped"):
            child.receive(on_progress=lambda _e: None, overrun_s=0.01)
        assert time.monotonic() - started < 10
        assert _solve(child, json.loads(EXAMPLE.read_text()))[0].status == "OPTIMAL"
    finally:
        child.stop()


def test_one_solve_at_a_time(process: SolverProcess) -> None:
    process.send(_text(generate_scenario(300, seed=4)), max_class_pairs=None)
    with pytest.raises(SolverError, match="already under way"):
        process.send(_text(generate_scenario(300, seed=4)), max_class_pairs=None)
    assert process.receive(on_progress=lambda _e: None, overrun_s=60).status == "OPTIMAL"
    mini = json.loads(EXAMPLE.read_text())
    solved, _ = _solve(process, mini)
    expected = json.loads((ROOT / "tests/solver/data/asia-pacific-mini.expected.json").read_text())
    assert json.loads(solved.text)["objective"] == expected["objective"]


def test_shutdown_abandons_the_solve_under_way() -> None:
    child = SolverProcess()
    child.send(_text(generate_scenario(2000, seed=1)), max_class_pairs=None)
    child.shutdown()
    with pytest.raises(SolverShutDown):
        child.receive(on_progress=lambda _e: None, overrun_s=60)
    with pytest.raises(SolverShutDown):
        child.send("{}", max_class_pairs=None)


def test_the_child_never_runs_the_parent_script_nor_the_working_directory(tmp_path: Path) -> None:
    """A script without a ``__main__`` guard is not run again by its solver process (as
    multiprocessing's spawn would): it solves once and prints once. And the child imports its
    parent's code, not an ``exchange`` package in the working directory."""
    (tmp_path / "cwd" / "exchange").mkdir(parents=True)
    (tmp_path / "cwd" / "exchange" / "__init__.py").write_text("raise ImportError('not me')\n")
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "no_guard.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json
            from exchange.rounds.solver_process import SolverProcess

            scenario = json.loads(open({str(EXAMPLE)!r}).read())
            child = SolverProcess()
            solved = child.solve(
                scenario, json.dumps(scenario), on_progress=print, max_class_pairs=None,
            )
            child.stop()
            print("solved", solved.status)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path / "cwd",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("solved OPTIMAL") == 1
