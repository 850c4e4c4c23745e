"""kill -9 while a round runs: the server during the run request or its worker's solve, or the
solver's child alone; restart; check.

    .venv/bin/python bench/crash_run.py [--trials 40] [--child-trials 10] [--pairs 20]
        [--engines sqlite,postgresql] [--pg-url postgresql://postgres@127.0.0.1:5432/test]
        [--minutes 0] [--out bench/results/crash_run.json]

One real server per engine (``python -m uvicorn --factory api.server:app_factory``: the API and
the round worker, which solves in a child process) on a fresh database. Each trial posts
``--pairs`` deposits and withdrawals, creates a round, calls ``run`` and, after a random delay
(seeded, uniform over 1.5 x the time an uninterrupted run takes from the request to
``proposed``), sends SIGKILL to the server (``--trials``) or to the solver's child only
(``--child-trials``). The server is restarted (after a server kill) and the round must end, within
``--settle`` seconds, in one of:

- ``draft``: the run never committed: no snapshot, no held posting, no proposal (it is then run
  again and must reach ``proposed``);
- ``proposed``: solved (again, from its frozen snapshot, when the kill hit the solve: its
  ``attempts`` say how often it was claimed): every proposal ``pending``, no pair of postings
  proposed twice, no posting offered more workers than it has;
- ``failed`` with its reason: ``interrupted`` (claimed too often) or, for a child killed alone,
  the solver's stop (``solver error: ...``); no proposal.

Never ``running`` for good. Then every proposal is accepted and the round closed, so the
postings are used up and each trial's round stays the same size, and the close is checked as
``bench/crash_close.py`` checks it (ledger entries and placements once per booked proposal,
postings' ``remaining`` consistent with the ledger). The killed server's solver child must not
outlive it. Exit 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402


@dataclass
class RunCrashReport:
    engine: str
    server_kills: int = 0
    child_kills: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    attempts: Counter[int] = field(default_factory=Counter)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    run_seconds: float = 0.0
    proposals_per_round: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "kill -9 of the server during run": self.server_kills,
            "kill -9 of the solver child during run": self.child_kills,
            "survived": self.server_kills
            + self.child_kills
            - len({p.split(":")[0] for p in self.problems}),
            "round found after restart": dict(self.outcomes),
            "claims (attempts) of the rounds found proposed": {
                str(k): v for k, v in sorted(self.attempts.items())
            },
            "failure reasons": dict(self.failure_reasons),
            "uninterrupted run seconds (request to proposed)": round(self.run_seconds, 3),
            "proposals per round": self.proposals_per_round,
            "seconds": round(self.seconds, 1),
            "problems": self.problems,
        }


def _call(base: str, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, base + path, headers=headers, timeout=120, **kw)


def post_pairs(base: str, tokens: dict[str, str], pairs: int) -> None:
    from tests.api.conftest import deposit, withdrawal

    for i in range(pairs):
        n = 2 + i % 4
        r = _call(base, tokens["phl"], "POST", "/v1/deposits", json=deposit(count=n))
        assert r.status_code == 201, r.text
        r = _call(base, tokens["deu"], "POST", "/v1/withdrawals", json=withdrawal(count=n))
        assert r.status_code == 201, r.text


def wait_settled(base: str, token: str, round_id: int, settle_s: float) -> dict[str, Any]:
    """The round once it is no longer ``running`` (or still running after ``settle_s``)."""
    deadline = time.monotonic() + settle_s
    while True:
        got: dict[str, Any] = _call(base, token, "GET", f"/v1/rounds/{round_id}").json()
        if got["status"] != "running" or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def solver_child(server_pid: int) -> int | None:
    """The pid of the server's solver child (a ``python -P -c ...serve_fd`` process)."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"serve_fd" in cmd:
            return int(pid)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def check_round(
    engine: Engine, round_id: int, state: dict[str, Any], child_kill: bool
) -> list[str]:
    """Problems of a round found after a kill during its run (see the module's docstring)."""
    problems: list[str] = []
    status = state["status"]
    with engine.connect() as c:

        def one(sql: str) -> int:
            return int(c.execute(text(sql), {"r": round_id}).scalar_one())

        proposals = one("SELECT count(*) FROM proposals WHERE round_id = :r")
        held = one("SELECT count(*) FROM round_postings WHERE round_id = :r")
        snapshot = one(
            "SELECT count(*) FROM round_documents WHERE round_id = :r AND kind = 'scenario'"
        )
        doubled = one(
            "SELECT count(*) FROM (SELECT deposit_id, withdrawal_id FROM proposals"
            " WHERE round_id = :r GROUP BY deposit_id, withdrawal_id HAVING count(*) > 1) d"
        )
        not_pending = one(
            "SELECT count(*) FROM proposals WHERE round_id = :r AND status <> 'pending'"
        )
        over_dep = one(
            "SELECT count(*) FROM (SELECT p.deposit_id FROM proposals p JOIN deposits d"
            " ON d.id = p.deposit_id WHERE p.round_id = :r GROUP BY p.deposit_id, d.remaining"
            " HAVING sum(p.count) > d.remaining) o"
        )
        over_wdr = one(
            "SELECT count(*) FROM (SELECT p.withdrawal_id FROM proposals p JOIN withdrawals w"
            " ON w.id = p.withdrawal_id WHERE p.round_id = :r GROUP BY p.withdrawal_id,"
            " w.remaining HAVING sum(p.count) > w.remaining) o"
        )
    if status == "running":
        problems.append("still running after the restart")
    elif status == "draft":
        if proposals or held or snapshot:
            problems.append(f"draft with {proposals} proposals, {held} held, {snapshot} snapshot")
    elif status == "proposed":
        if not proposals:
            problems.append("proposed without proposals")
        if doubled or not_pending or over_dep or over_wdr:
            problems.append(
                f"proposals: {doubled} pairs twice, {not_pending} not pending,"
                f" {over_dep} deposits and {over_wdr} withdrawals over-offered"
            )
    elif status == "failed":
        reason = str(state.get("failure_reason") or "")
        expected = reason == "interrupted" or (child_kill and reason.startswith("solver error"))
        if not expected:
            problems.append(f"failed with an unexpected reason: {reason!r}")
        if proposals:
            problems.append(f"failed with {proposals} proposals")
    else:
        problems.append(f"unexpected status {status}")
    return problems


def accept_all_and_close(base: str, tokens: dict[str, str], round_id: int) -> None:
    offset = 0
    while True:
        page = _call(
            base,
            tokens["planner"],
            "GET",
            f"/v1/rounds/{round_id}/proposals?limit=500&offset={offset}",
        ).json()["data"]
        for p in page:
            r = _call(base, tokens["admin"], "POST", f"/v1/proposals/{p['id']}/accept")
            assert r.status_code == 200, r.text
        if len(page) < 500:
            break
        offset += 500
    r = _call(base, tokens["planner"], "POST", f"/v1/rounds/{round_id}/close")
    assert r.status_code == 200, r.text


def run_engine(
    name: str,
    url: str,
    workdir: Path,
    *,
    trials: int,
    child_trials: int,
    pairs: int,
    settle_s: float,
    seconds: float,
    seed: int = 22,
) -> RunCrashReport:
    from exchange.db import make_engine
    from exchange.migrate import upgrade
    from tests.api.conftest import seed as seed_db
    from tests.reliability.crashing import Server, check_consistency

    upgrade(url)
    engine = make_engine(url)
    tokens = seed_db(engine)
    rng = random.Random(seed)
    report = RunCrashReport(engine=name)
    server = Server(url, workdir / f"crash-run-{name}.log")
    server.start()
    started = time.monotonic()
    base, planner = server.base, tokens["planner"]
    try:
        # one uninterrupted run (the child warm, as in the trials) to learn how long a run takes
        for _ in range(2):
            post_pairs(base, tokens, pairs)
            rid = _call(base, planner, "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
            t0 = time.monotonic()
            assert _call(base, planner, "POST", f"/v1/rounds/{rid}/run").status_code == 202
            assert wait_settled(base, planner, rid, 120)["status"] == "proposed"
            report.run_seconds = time.monotonic() - t0
            accept_all_and_close(base, tokens, rid)
        window = max(report.run_seconds * 1.5, 0.05)
        kinds = ["server"] * trials + ["child"] * child_trials
        rng.shuffle(kinds)
        for trial, kind in enumerate(kinds):
            if seconds and time.monotonic() - started > seconds:
                break
            post_pairs(base, tokens, pairs)
            rid = _call(base, planner, "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
            assert server.proc is not None
            server_pid = server.proc.pid
            child = solver_child(server_pid)
            delay = rng.uniform(0, window)
            runner = threading.Thread(target=_run_quietly, args=(base, planner, rid), daemon=True)
            runner.start()
            time.sleep(delay)
            if kind == "server":
                child = solver_child(server_pid) or child
                server.kill()
                report.server_kills += 1
                runner.join(30)
                server.start()
                base = server.base
            else:
                child = solver_child(server_pid)
                if child is not None:
                    os.kill(child, signal.SIGKILL)
                report.child_kills += 1
                runner.join(30)
            state = wait_settled(base, planner, rid, settle_s)
            report.outcomes[f"{state['status']} ({kind} killed)"] += 1
            problems = check_round(engine, rid, state, kind == "child")
            if kind == "server" and child is not None:
                deadline = time.monotonic() + 10
                while _alive(child) and time.monotonic() < deadline:
                    time.sleep(0.1)
                if _alive(child):
                    problems.append(f"the killed server's solver child {child} still runs")
            if state["status"] == "failed":
                report.failure_reasons[str(state.get("failure_reason"))] += 1
            if state["status"] == "draft":  # the run never committed: run it now
                r = _call(base, planner, "POST", f"/v1/rounds/{rid}/run")
                if r.status_code != 202:
                    problems.append(f"run after restart: {r.status_code} {r.text[:200]}")
                state = wait_settled(base, planner, rid, settle_s)
                if state["status"] != "proposed":
                    problems.append(f"run after restart ended {state['status']}")
            if state["status"] == "proposed":
                with engine.connect() as c:
                    attempts, n = c.execute(
                        text(
                            "SELECT r.attempts, (SELECT count(*) FROM proposals p"
                            " WHERE p.round_id = r.id) FROM rounds r WHERE r.id = :r"
                        ),
                        {"r": rid},
                    ).one()
                report.attempts[int(attempts)] += 1
                report.proposals_per_round = max(report.proposals_per_round, int(n))
                accept_all_and_close(base, tokens, rid)
                closed, more = check_consistency(engine, rid)
                problems += more
                if closed != "closed":
                    problems.append("not closed after the close")
            report.problems += [
                f"trial {trial}: {kind} killed after {delay:.3f}s: {p}" for p in problems
            ]
            if (trial + 1) % 10 == 0:
                print(name, trial + 1, "trials", len(report.problems), "problems", flush=True)
    finally:
        report.seconds = time.monotonic() - started
        server.stop()
        engine.dispose()
    return report


def _run_quietly(base: str, token: str, round_id: int) -> None:
    try:
        _call(base, token, "POST", f"/v1/rounds/{round_id}/run")
    except httpx.HTTPError:
        pass  # the server died under the request: expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40, help="server kills per engine")
    parser.add_argument("--child-trials", type=int, default=10, help="solver-child kills")
    parser.add_argument("--pairs", type=int, default=20, help="deposits/withdrawals per round")
    parser.add_argument("--settle", type=float, default=120, help="seconds to leave running")
    parser.add_argument("--minutes", type=float, default=0, help="stop an engine after this")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", default="bench/results/crash_run.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            with scratch_database(name, Path(tmp), args.pg_url, "crash-run") as url:
                report = run_engine(
                    name,
                    url,
                    Path(tmp),
                    trials=args.trials,
                    child_trials=args.child_trials,
                    pairs=args.pairs,
                    settle_s=args.settle,
                    seconds=args.minutes * 60,
                )
            figures = report.as_dict()
            results.append(figures)
            print(json.dumps({k: v for k, v in figures.items() if k != "problems"}), flush=True)
            for p in report.problems:
                print("FAIL", name, p)
            failed = failed or bool(report.problems)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
