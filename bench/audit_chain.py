"""The audit chain's cost: the latency of a commit that appends one event, the throughput of
concurrent writers (they take turns on the chain's lock), and the time to verify the chain.

    .venv/bin/python bench/audit_chain.py [--engines sqlite,postgresql] [--commits 300]
        [--writers 8] [--events 20000] [--pg-url postgresql://postgres@127.0.0.1:5432/test]
        [--out bench/results/audit_chain.json]

Each engine gets a fresh migrated database (a SQLite file; a new PostgreSQL database, dropped
after). Exit 1 if the chain is not intact at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(url: str, *, commits: int, writers: int, events: int) -> dict[str, Any]:
    from sqlmodel import Session

    from exchange.audit.service import record, verify_chain
    from exchange.db import make_engine
    from exchange.identity.actor import Actor
    from exchange.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    actor = Actor(user_id=1, name="bench", role="admin")
    after = {"count": 10, "languages": {"en": "C1"}, "note": "a typical posting's snapshot"}

    def commit(n: int, key: str) -> None:
        with Session(engine) as session:
            for k in range(n):
                record(
                    session=session,
                    actor=actor,
                    action="deposit.update",
                    entity="deposit",
                    entity_id=f"{key}-{k}",
                    after=after,
                )
            session.commit()

    latencies = []
    for i in range(commits):
        started = time.perf_counter()
        commit(1, f"seq-{i}")
        latencies.append(time.perf_counter() - started)

    per_writer = max(1, commits // writers)
    barrier = threading.Barrier(writers)

    def write(w: int) -> None:
        barrier.wait()
        for i in range(per_writer):
            commit(3, f"w{w}-{i}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent_s = time.perf_counter() - started

    remaining = events - commits - writers * per_writer * 3
    started = time.perf_counter()
    while remaining > 0:
        batch = min(1000, remaining)
        commit(batch, f"bulk-{remaining}")
        remaining -= batch
    bulk_s = time.perf_counter() - started

    with Session(engine) as session:
        started = time.perf_counter()
        report = verify_chain(session=session)
        verify_s = time.perf_counter() - started
    engine.dispose()
    latencies.sort()
    return {
        "commit_one_event_ms": {
            "p50": round(statistics.median(latencies) * 1000, 2),
            "p95": round(latencies[int(len(latencies) * 0.95)] * 1000, 2),
        },
        "concurrent": {
            "writers": writers,
            "commits": writers * per_writer,
            "events": writers * per_writer * 3,
            "commits_per_s": round(writers * per_writer / concurrent_s, 1),
        },
        "bulk_events_per_s": round((events - commits - writers * per_writer * 3) / bulk_s),
        "verify": {
            "events": report.events,
            "seconds": round(verify_s, 3),
            "events_per_s": round(report.events / verify_s),
        },
        "intact": report.intact,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", default="bench/results/audit_chain.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from bench.scratch_db import scratch_database

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            with scratch_database(name, Path(tmp), args.pg_url, "audit") as url:
                results[name] = measure(
                    url, commits=args.commits, writers=args.writers, events=args.events
                )
            print(name, json.dumps(results[name]))
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["intact"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
