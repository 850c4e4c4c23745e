"""Benchmark (not a test): how a server answers requests while it solves a large round, with the
solve in its round worker's thread (``HRHX_SOLVE_IN_CHILD=0``) and in a child process (the
default, ``exchange/rounds/solver_process.py``).

    .venv/bin/python bench/solve_isolation.py [--postings 20000] [--rounds 3] [--clients 2]

For each way, side by side on the same data: a fresh SQLite file with a generated scenario
(``fixtures.generator``, size L by default), ``hrhx serve`` in a subprocess, and ``--clients``
threads that read ``GET /v1/deposits?limit=100`` and ``GET /v1/rounds/{id}`` in turn. The
latencies are recorded while the server is idle, then while it solves ``--rounds`` rounds one
after the other (each run through the API, until it is ``proposed``): requests/s, p50 and p99 in
each window, and the rounds' end-to-end times. Results go to bench/results/solve_isolation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import _free_port, latency_summary, load_scenario, make_scenario  # noqa: E402

from exchange.db import make_engine, session_scope  # noqa: E402
from exchange.identity.service import create_user  # noqa: E402
from exchange.migrate import upgrade  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "solve_isolation.json"


def _planner_token(url: str) -> str:
    engine = make_engine(url)
    with session_scope(engine) as s:
        _, token = create_user(session=s, name="bench-planner", role="planner")
    engine.dispose()
    return token


def _serve(url: str, in_child: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HRHX_SOLVE_IN_CHILD": "1" if in_child else "0",
        "HRHX_RATE_LIMIT_PER_MINUTE": "0",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "hrhx"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


class Readers:
    """Client threads reading two endpoints in turn; latencies kept per window."""

    def __init__(self, base: str, token: str, round_id: int, clients: int) -> None:
        self.base, self.token, self.round_id = base, token, round_id
        self.window: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read) for _ in range(clients)]

    def _read(self) -> None:
        paths = [("/v1/deposits", {"limit": 100}), (f"/v1/rounds/{self.round_id}", {})]
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=60) as client:
            i = 0
            while not self.stop.is_set():
                path, params = paths[i % 2]
                t0 = time.perf_counter()
                response = client.get(path, params=params)
                took = time.perf_counter() - t0
                assert response.status_code == 200, response.text
                with self.lock:
                    self.window.append(took)
                i += 1

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def take(self) -> list[float]:
        with self.lock:
            window, self.window = self.window, []
        return window

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def measure(url: str, in_child: bool, rounds: int, clients: int) -> dict[str, Any]:
    token = _planner_token(url)
    proc, base = _serve(url, in_child)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
            created = [api.post("/v1/rounds", json={"name": f"r{i}"}) for i in range(rounds)]
            ids = [r.json()["id"] for r in created]
            readers = Readers(base, token, ids[0], clients)
            readers.start()
            time.sleep(1.0)  # warm up
            readers.take()
            solving: list[float] = []
            ends: list[float] = []
            solving_s = 0.0
            for round_id in ids:
                t0 = time.perf_counter()
                assert api.post(f"/v1/rounds/{round_id}/run").status_code == 202
                while api.get(f"/v1/rounds/{round_id}").json()["status"] == "running":
                    time.sleep(0.02)
                took = time.perf_counter() - t0
                assert api.get(f"/v1/rounds/{round_id}").json()["status"] == "proposed"
                solving += readers.take()
                solving_s += took
                ends.append(round(took, 3))
            time.sleep(solving_s)  # as long idle as it was solving
            idle = readers.take()
            readers.close()
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "idle": latency_summary(idle, solving_s),
        "solving": latency_summary(solving, solving_s),
        "round_end_to_end_s": ends,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    scenario = make_scenario(args.postings)
    results: dict[str, Any] = {
        "host": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "postings": args.postings,
        "clients": args.clients,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, in_child in (("thread", False), ("child", True), ("thread", False)):
            url = f"sqlite:///{tmp}/{name}-{len(results)}.sqlite3"
            upgrade(url)
            load_scenario(url, scenario)
            run = measure(url, in_child, args.rounds, args.clients)
            results.setdefault(name, []).append(run)
            print(name, json.dumps(run), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
