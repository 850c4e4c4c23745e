"""Many trials of 50 concurrent accepts of one proposal, against the real server, on each engine.

    .venv/bin/python bench/concurrent_accepts.py [--trials 1000] [--racers 50] [--per-round 100]
        [--engines sqlite,postgresql] [--pg-url postgresql://postgres@127.0.0.1:5432/test]
        [--minutes 0] [--out bench/results/concurrent_accepts.json]

One uvicorn server per engine (``python -m uvicorn --factory api.server:app_factory``, its round
worker included) on a fresh database (a SQLite file; a new PostgreSQL database, dropped after).
A round of ``--per-round`` one-worker proposals (PHL -> DEU) serves that many trials; each trial
accepts a fresh proposal with ``--racers`` threads released together by a barrier, half as the
origin's focal point and half as the destination's. Each trial must give exactly one 200 per side
and 409 to all the others, leave the proposal ``confirmed`` at version 3 (two transitions), and
exactly one ``proposal.accept`` audit event per 200. When a round's proposals are used up it is
closed and the next one is run. After the last trial the audit chain must be intact
(``exchange.audit.service.verify_chain``). ``--minutes`` stops early (the count run is recorded).
Exit 1 on any failed trial.
"""

from __future__ import annotations

import argparse
import json
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
class Figures:
    engine: str
    trials: int = 0
    racers: int = 0
    rounds: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    trial_ms: list[float] = field(default_factory=list)
    audit_events: int = 0
    chain_intact: bool | None = None
    chain_events: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        ms = sorted(self.trial_ms) or [0.0]
        return {
            "engine": self.engine,
            "trials": self.trials,
            "concurrent accepts per trial": self.racers,
            "trials passed": self.trials - len({p.split(":")[0] for p in self.problems}),
            "rounds": self.rounds,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "proposal.accept audit events": self.audit_events,
            "audit chain intact": self.chain_intact,
            "audit events in chain": self.chain_events,
            "trial ms p50": round(ms[len(ms) // 2], 1),
            "trial ms p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
            "seconds": round(self.seconds, 1),
            "problems": self.problems[:50],
        }


class Racers:
    """``n`` threads, each with its own keep-alive client, that fire one request each per trial
    when a barrier releases them all together."""

    def __init__(self, base: str, tokens: list[str]) -> None:
        self.base = base
        self.tokens = tokens
        self.clients = [httpx.Client(base_url=base, timeout=60) for _ in tokens]
        self.path = ""
        self.codes: list[int] = []
        self.lock = threading.Lock()
        self.start = threading.Barrier(len(tokens) + 1)
        self.done = threading.Barrier(len(tokens) + 1)
        self.stopping = False
        self.threads = [
            threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(len(tokens))
        ]
        for t in self.threads:
            t.start()

    def _loop(self, i: int) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[i]}"}
        while True:
            self.start.wait()
            if self.stopping:
                return
            try:
                code = self.clients[i].post(self.path, headers=headers).status_code
            except httpx.HTTPError:
                code = -1
            with self.lock:
                self.codes.append(code)
            self.done.wait()

    def fire(self, path: str) -> Counter[int]:
        """Every racer posts to ``path`` at once; their status codes."""
        self.path = path
        self.codes = []
        self.start.wait()
        self.done.wait(120)
        return Counter(self.codes)

    def close(self) -> None:
        self.stopping = True
        self.start.wait()
        for c in self.clients:
            c.close()


def _call(base: str, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, base + path, headers=headers, timeout=120, **kw)


def proposed_round(base: str, tokens: dict[str, str], pairs: int) -> list[int]:
    """Post ``pairs`` one-worker deposits and withdrawals, run a round, wait for it: its
    proposal ids."""
    from tests.api.conftest import deposit, withdrawal

    for _ in range(pairs):
        r = _call(base, tokens["phl"], "POST", "/v1/deposits", json=deposit(count=1))
        assert r.status_code == 201, r.text
        r = _call(base, tokens["deu"], "POST", "/v1/withdrawals", json=withdrawal(count=1))
        assert r.status_code == 201, r.text
    rid = _call(base, tokens["planner"], "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
    r = _call(base, tokens["planner"], "POST", f"/v1/rounds/{rid}/run")
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 300
    while (
        status := _call(base, tokens["planner"], "GET", f"/v1/rounds/{rid}").json()["status"]
    ) != "proposed":
        assert status == "running", status
        assert time.monotonic() < deadline, "round not solved in time"
        time.sleep(0.1)
    ids: list[int] = []
    while True:
        page = _call(
            base,
            tokens["planner"],
            "GET",
            f"/v1/rounds/{rid}/proposals?limit=500&offset={len(ids)}",
        ).json()["data"]
        ids += [p["id"] for p in page if p["status"] == "pending"]
        if len(page) < 500:
            return ids


def accept_events(engine: Engine, proposal_id: int) -> int:
    with engine.connect() as c:
        return int(
            c.execute(
                text(
                    "SELECT count(*) FROM audit_events WHERE entity = 'proposal'"
                    " AND entity_id = :id AND action = 'proposal.accept'"
                ),
                {"id": str(proposal_id)},
            ).scalar_one()
        )


def run_engine(
    name: str, url: str, workdir: Path, *, trials: int, racers: int, per_round: int, seconds: float
) -> Figures:
    from sqlmodel import Session

    from exchange.audit.service import verify_chain
    from exchange.db import make_engine
    from exchange.migrate import upgrade
    from tests.api.conftest import seed
    from tests.reliability.crashing import Server

    upgrade(url)
    engine = make_engine(url)
    tokens = seed(engine)
    figures = Figures(engine=name, racers=racers)
    server = Server(url, workdir / f"accepts-{name}.log").start()
    pool = Racers(server.base, [tokens["phl"], tokens["deu"]] * (racers // 2))
    started = time.monotonic()
    round_id: int | None = None
    fresh: list[int] = []
    try:
        while figures.trials < trials and (not seconds or time.monotonic() - started < seconds):
            if not fresh:
                if round_id is not None:
                    r = _call(
                        server.base, tokens["planner"], "POST", f"/v1/rounds/{round_id}/close"
                    )
                    assert r.status_code == 200, r.text
                fresh = proposed_round(server.base, tokens, min(per_round, trials - figures.trials))
                round_id = _call(
                    server.base, tokens["planner"], "GET", f"/v1/proposals/{fresh[0]}"
                ).json()["round_id"]
                figures.rounds += 1
            pid = fresh.pop()
            t0 = time.monotonic()
            codes = pool.fire(f"/v1/proposals/{pid}/accept")
            figures.trial_ms.append((time.monotonic() - t0) * 1000)
            figures.statuses.update(codes)
            trial = figures.trials
            figures.trials += 1
            if codes != Counter({200: 2, 409: racers - 2}):
                figures.problems.append(f"trial {trial}: proposal {pid}: statuses {dict(codes)}")
            got = _call(server.base, tokens["planner"], "GET", f"/v1/proposals/{pid}").json()
            if got["status"] != "confirmed" or got["version"] != 3:
                figures.problems.append(
                    f"trial {trial}: proposal {pid}: {got['status']} at version {got['version']}"
                )
            events = accept_events(engine, pid)
            figures.audit_events += events
            if events != codes[200]:
                figures.problems.append(
                    f"trial {trial}: proposal {pid}: {events} audit events for {codes[200]} accepts"
                )
            if figures.trials % 100 == 0:
                print(name, figures.trials, "trials", len(figures.problems), "problems", flush=True)
    finally:
        figures.seconds = time.monotonic() - started
        pool.close()
        server.stop()
    with Session(engine) as session:
        report = verify_chain(session=session)
    figures.chain_intact = report.intact
    figures.chain_events = report.events
    if not report.intact:
        figures.problems.append(f"chain: audit chain broken at {report.first_break}")
    engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000, help="per engine")
    parser.add_argument("--racers", type=int, default=50, help="concurrent accepts per trial")
    parser.add_argument("--per-round", type=int, default=100, help="proposals per round")
    parser.add_argument("--minutes", type=float, default=0, help="stop an engine after this")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", default="bench/results/concurrent_accepts.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            with scratch_database(name, Path(tmp), args.pg_url, "accepts") as url:
                figures = run_engine(
                    name,
                    url,
                    Path(tmp),
                    trials=args.trials,
                    racers=args.racers,
                    per_round=args.per_round,
                    seconds=args.minutes * 60,
                )
            result = figures.as_dict()
            results.append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "problems"}), flush=True)
            for p in figures.problems[:20]:
                print("FAIL", name, p)
            failed = failed or bool(figures.problems)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
