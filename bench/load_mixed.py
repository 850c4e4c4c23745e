"""Mixed load on the real server over loopback: reads, posting writes and accepts, for a fixed time.

    .venv/bin/python bench/load_mixed.py [--seconds 60] [--threads 8] [--database sqlite|URL]
        [--out bench/results/load_mixed.json]

The server (``python -m uvicorn --factory api.server:app_factory``, 127.0.0.1 only) runs on a
fresh SQLite file by default. Each thread loops, with a fixed seed: 70% reads (deposit lists,
a deposit, rounds, proposals, the dashboard summary, a ledger), 20% posting writes (POST, then
PATCH with If-Match), 10% accepts of the pending proposals of a prepared round (a 409 for an
already answered proposal is the API working, counted apart). Any other 4xx/5xx or transport
error is an error. Reports requests, throughput, p50/p90/p99 per kind; exit 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--out", default="bench/results/load_mixed.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from exchange.db import make_engine
    from exchange.migrate import upgrade
    from tests.api.conftest import deposit, seed, withdrawal
    from tests.reliability.crashing import Server

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/load.sqlite3" if args.database == "sqlite" else args.database
        upgrade(url)
        engine = make_engine(url)
        tokens = seed(engine)
        engine.dispose()
        server = Server(url, Path(tmp) / "server.log")
        server.start()
        try:
            rid = prepare_round_pending(server.base, tokens)
            proposals = [
                p["id"]
                for p in httpx.get(
                    f"{server.base}/v1/rounds/{rid}/proposals?limit=500&status=pending",
                    headers={"Authorization": f"Bearer {tokens['planner']}"},
                ).json()["data"]
            ]
            times: dict[str, list[float]] = defaultdict(list)
            errors: list[str] = []
            conflicts = [0]
            lock = threading.Lock()
            stop_at = time.monotonic() + args.seconds

            def worker(n: int) -> None:
                rng = random.Random(n)
                auth = {t: {"Authorization": f"Bearer {tokens[t]}"} for t in tokens}
                with httpx.Client(base_url=server.base, timeout=30) as c:
                    while time.monotonic() < stop_at:
                        roll = rng.random()
                        started = time.perf_counter()
                        try:
                            if roll < 0.7:
                                kind = "read"
                                path = rng.choice(
                                    [
                                        "/v1/deposits?limit=50",
                                        "/v1/rounds",
                                        f"/v1/rounds/{rid}/proposals?limit=50",
                                        "/v1/dashboard/summary",
                                        "/v1/ledger/PHL",
                                        "/v1/countries",
                                    ]
                                )
                                r = c.get(path, headers=auth[rng.choice(["planner", "phl"])])
                                ok = r.status_code == 200
                            elif roll < 0.9:
                                kind = "write"
                                if rng.random() < 0.5:
                                    r = c.post("/v1/deposits", json=deposit(), headers=auth["phl"])
                                    ok = r.status_code == 201
                                    if ok:
                                        r = c.patch(
                                            f"/v1/deposits/{r.json()['id']}",
                                            json={"count": 12},
                                            headers={**auth["phl"], "If-Match": r.headers["ETag"]},
                                        )
                                        ok = r.status_code == 200
                                else:
                                    r = c.post(
                                        "/v1/withdrawals", json=withdrawal(), headers=auth["deu"]
                                    )
                                    ok = r.status_code == 201
                            else:
                                kind = "accept"
                                pid = rng.choice(proposals)
                                who = rng.choice(["phl", "deu"])
                                r = c.post(f"/v1/proposals/{pid}/accept", headers=auth[who])
                                ok = r.status_code in (200, 409)
                                if r.status_code == 409:
                                    with lock:
                                        conflicts[0] += 1
                        except httpx.HTTPError as exc:
                            ok, r = False, None
                            with lock:
                                errors.append(f"{kind}: {exc!r}")
                        elapsed = time.perf_counter() - started
                        with lock:
                            times[kind].append(elapsed)
                            if not ok and r is not None:
                                errors.append(f"{kind} {r.request.url.path}: {r.status_code}")

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
            began = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            duration = time.monotonic() - began
        finally:
            server.stop()
    every = [x for v in times.values() for x in v]
    figures = {
        "database": "sqlite" if args.database == "sqlite" else "postgresql",
        "threads": args.threads,
        "seconds": round(duration, 1),
        "requests": len(every),
        "requests_per_s": round(len(every) / duration, 1),
        "errors": len(errors),
        "accept_409s (already answered)": conflicts[0],
        "p50_ms": round(1000 * statistics.median(every), 1) if every else None,
        "p99_ms": round(1000 * pct(every, 0.99), 1),
        "by_kind": {
            k: {
                "requests": len(v),
                "p50_ms": round(1000 * statistics.median(v), 1),
                "p90_ms": round(1000 * pct(v, 0.90), 1),
                "p99_ms": round(1000 * pct(v, 0.99), 1),
            }
            for k, v in sorted(times.items())
        },
        "first_errors": errors[:20],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 1 if errors else 0


def prepare_round_pending(base: str, tokens: dict[str, str]) -> int:
    """A proposed round whose proposals are still pending (the accepts of the load answer them)."""
    from tests.api.conftest import deposit, withdrawal

    auth = {t: {"Authorization": f"Bearer {tokens[t]}"} for t in tokens}
    for _ in range(40):
        httpx.post(f"{base}/v1/deposits", json=deposit(count=2), headers=auth["phl"])
        httpx.post(f"{base}/v1/withdrawals", json=withdrawal(count=2), headers=auth["deu"])
    rid = httpx.post(f"{base}/v1/rounds", json={"policy": {}}, headers=auth["planner"]).json()["id"]
    httpx.post(f"{base}/v1/rounds/{rid}/run", headers=auth["planner"])
    while httpx.get(f"{base}/v1/rounds/{rid}", headers=auth["planner"]).json()["status"] in (
        "draft",
        "running",
    ):
        time.sleep(0.1)
    return int(rid)


if __name__ == "__main__":
    raise SystemExit(main())
