"""The worked examples of spec/examples give exactly their expected tiers, proven optimal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solver import check_solution, solve
from solver.cli import run_cli
from solver.schema import Result, Scenario

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2].parent / "shared/spec/examples"
DATA = SHARED if SHARED.is_dir() else HERE / "data"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in DATA.glob("*.expected.json"))


@pytest.mark.parametrize("name", NAMES)
def test_example(name: str) -> None:
    raw = json.loads((DATA / f"{name}.json").read_text())
    expected = json.loads((DATA / f"{name}.expected.json").read_text())
    result = solve(raw)
    assert result.status == "OPTIMAL"
    assert result.model_dump(mode="json")["objective"] == expected["objective"]
    assert check_solution(Scenario.model_validate(raw), result) == []


def test_local_copy_matches_shared() -> None:
    if not SHARED.is_dir():
        pytest.skip("shared/ not present")
    for p in SHARED.glob("*.json"):
        assert (HERE / "data" / p.name).read_text() == p.read_text(), p.name


def test_cli_prints_json_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(str(DATA / "asia-pacific-mini.json"), None, 3) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "OPTIMAL"
    assert out["objective"]["priority_fill"] == 1300


def test_cli_invalid_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"as_of": "2026-11", "deposits": [{"id": "x"}]}))
    assert run_cli(str(bad), None, None) == 2
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"status", "errors"}


def test_python_m_solver_stdin() -> None:
    text = (DATA / "generated-strict-523.json").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "solver", "-", "--time-limit", "20", "--seed", "1"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"]["priority_fill"] == 323
    proc = subprocess.run(
        [sys.executable, "-m", "solver", "-"],
        input="{}",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["status"] == "INVALID"


@pytest.mark.parametrize("name", NAMES)
def test_matches_are_handed_over_before_the_unmatched_are_explained(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import solver.round

    raw = json.loads((DATA / f"{name}.json").read_text())
    seen: list[str] = []
    handed: list[Result] = []
    real_explain = solver.round.explain

    def explain(*args: object) -> object:
        seen.append("explain")
        return real_explain(*args)  # type: ignore[arg-type]

    def on_matched(matched: Result) -> None:
        seen.append("matched")
        handed.append(matched)

    monkeypatch.setattr(solver.round, "explain", explain)
    result = solve(raw, on_matched=on_matched)
    assert seen == ["matched", "explain"]
    assert handed == [result.model_copy(update={"unmatched": None, "stats": None})]


@pytest.mark.parametrize(
    "name", [n for n in NAMES if "basis" in json.loads((DATA / f"{n}.expected.json").read_text())]
)
def test_example_basis_of_every_match(name: str) -> None:
    """A match carries the legal basis the expected file gives for its pair (section 7)."""
    raw = json.loads((DATA / f"{name}.json").read_text())
    expected = json.loads((DATA / f"{name}.expected.json").read_text())["basis"]
    result = solve(raw)
    assert result.matches
    for m in result.matches:
        key = f"{m.deposit_id}->{m.withdrawal_id}"
        assert key in expected, f"{key} is not an eligible pair of the example"
        assert result.model_dump(mode="json")["matches"] is not None
        assert m.basis is not None
        assert m.basis.model_dump(mode="json") == expected[key], key


def test_example_basis_of_every_eligible_pair() -> None:
    """`legal_basis` gives the expected basis for every eligible pair, matched or not."""
    from solver.basis import legal_basis
    from solver.eligibility import Context, is_eligible

    raw = json.loads((DATA / "history-729.json").read_text())
    expected = json.loads((DATA / "history-729.expected.json").read_text())["basis"]
    scenario = Scenario.model_validate(raw)
    ctx = Context.of(scenario)
    got = {
        f"{d.id}->{w.id}": legal_basis(ctx, d, w).model_dump(mode="json")
        for d in scenario.deposits
        for w in scenario.withdrawals
        if is_eligible(ctx, d, w)
    }
    assert got == expected
