"""API benchmark (not a test): list throughput vs a bare FastAPI endpoint, and a round's
end-to-end time vs the solve alone.

    .venv/bin/python bench/api_load.py [--postings 2000] [--duration 8] [--clients 4]

1. ``GET /v1/deposits?limit=100`` on the real app (uvicorn, SQLite file, bearer auth checked on
   every request, the postings' revision read, the page from the page cache), the same app with
   the page cache off (every request queries and serialises the page), and a bare FastAPI
   endpoint (uvicorn) returning the same JSON bytes, side by side, each in its own server process
   on loopback; ``--clients`` threads with keep-alive httpx clients for ``--duration`` seconds
   each, in ``--slices`` turns taken in rotation (all servers meet the same moments of a host
   whose speed drifts): requests/s, p50, p99.
2. A round at size M: end to end (create, run = snapshot from the database, claim, solve, store
   proposals) vs ``solver.solve`` alone on the same frozen scenario, medians of 11 rounds after a
   first one on the fresh engine; on the SQLite file, then on a fresh PostgreSQL database
   (``--pg-admin-url``).

Results go to bench/results/api_load.json (``--out`` for another file: the L run is kept in
api_load_L.json); docs/benchmarks-api.md quotes them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exchange.db import make_engine, session_scope  # noqa: E402
from exchange.gc_pause import gc_paused  # noqa: E402
from exchange.identity.actor import SYSTEM  # noqa: E402
from exchange.identity.service import create_user  # noqa: E402
from exchange.migrate import upgrade  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "api_load.json"


# ---------------------------------------------------------------- data


def load_scenario(url: str, scenario: dict[str, Any]) -> str:
    """Put a generated scenario's reference data and postings into the database; a viewer token."""
    from exchange.agreements.tables import Agreement
    from exchange.postings.tables import Deposit, Withdrawal
    from exchange.reference.tables import (
        Cadre,
        Country,
        SafeguardEdition,
        SafeguardListing,
        WorkforceFact,
    )

    engine = make_engine(url)
    with session_scope(engine) as s:
        cadres = {d["cadre"] for d in scenario["deposits"]} | {
            w["cadre"] for w in scenario["withdrawals"]
        }
        cadres |= {f["cadre"] for f in scenario["workforce"]}
        for code in sorted(cadres):
            s.add(Cadre(code=code, name=f"cadre {code}"))
        for c in scenario["countries"]:
            s.add(
                Country(
                    code=c["code"],
                    name=c.get("name") or c["code"],
                    licensing_languages=c.get("licensing_languages") or {},
                )
            )
        s.flush()
        s.add(SafeguardEdition(edition="bench", valid_from="2000-01", source="bench"))
        s.flush()
        for c in scenario["countries"]:
            if c.get("safeguard_listed"):
                s.add(SafeguardListing(edition="bench", country=c["code"]))
        for f in scenario["workforce"]:
            s.add(WorkforceFact(**{k: v for k, v in f.items() if v is not None}))
        for a in scenario["agreements"]:
            s.add(Agreement(**a))
        for d in scenario["deposits"]:
            s.add(Deposit(**d, remaining=d["count"], created_by="bench"))
        for w in scenario["withdrawals"]:
            s.add(Withdrawal(**w, remaining=w["count"], created_by="bench"))
        _, token = create_user(session=s, name="bench-viewer", role="viewer")
    engine.dispose()
    return token


def make_scenario(n_postings: int) -> dict[str, Any]:
    from fixtures.generator import generate_scenario

    return generate_scenario(n_postings, seed=1)


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_app(url: str, port: int, page_cache_mb: int = 32) -> None:
    import uvicorn

    from api.app import create_app
    from exchange.config import Settings

    # One token sends every request here: the per-token abuse limit (429) is off, as it would be
    # for a trusted integration; everything else (auth, gates, body limits) is as served.
    settings = Settings(database_url=url, rate_limit_per_minute=0, page_cache_mb=page_cache_mb)
    app = create_app(settings, start_worker=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_bare(body_path: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI, Response

    body = Path(body_path).read_bytes()
    app = FastAPI()

    @app.get("/v1/deposits")
    def deposits() -> Response:
        return Response(body, media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_bare_objects(body_path: str, port: int) -> None:
    """The same page held as Python objects, serialised by FastAPI on every request (what a
    plain ``return data`` endpoint does), without database or authentication."""
    import uvicorn
    from fastapi import FastAPI

    data = json.loads(Path(body_path).read_bytes())
    app = FastAPI()

    @app.get("/v1/deposits")
    def deposits() -> dict[str, Any]:
        return data  # type: ignore[no-any-return]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(kind: str, arg: str, script: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A server of ``kind`` run by ``script`` (this file, or another checkout's copy of it)."""
    port = _free_port()
    script = script or Path(__file__)
    proc = subprocess.Popen(
        [sys.executable, str(script), f"--serve-{kind}", arg, "--port", str(port)],
        cwd=script.resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/docs", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def load(base: str, token: str, duration: float, clients: int) -> tuple[list[float], int, float]:
    """Hammer GET /v1/deposits?limit=100 from ``clients`` threads for ``duration`` seconds; the
    latencies, the errors and the time it took."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    errors = 0

    def worker() -> None:
        nonlocal errors
        local: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            c.get("/v1/deposits", params={"limit": 100})  # warm
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                r = c.get("/v1/deposits", params={"limit": 100})
                local.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.monotonic() - t0


def load_interleaved(
    bases: dict[str, str], token: str, duration: float, clients: int, slices: int
) -> dict[str, dict[str, float]]:
    """``load`` on every server for ``duration`` seconds in all, in ``slices`` turns taken in
    rotation, so that all of them meet the same moments of a host whose speed drifts (a virtual
    machine's does, by a third over a minute): requests/s, p50 and p99 per server."""
    latencies: dict[str, list[float]] = {name: [] for name in bases}
    errors = dict.fromkeys(bases, 0)
    elapsed = dict.fromkeys(bases, 0.0)
    for _ in range(slices):
        for name, base in bases.items():
            times, failed, took = load(base, token, duration / slices, clients)
            latencies[name] += times
            errors[name] += failed
            elapsed[name] += took
    return {
        name: {**latency_summary(times, elapsed[name]), "errors": errors[name]}
        for name, times in latencies.items()
    }


def latency_summary(latencies: list[float], seconds: float) -> dict[str, float]:
    """Requests, requests/s over ``seconds``, p50 and p99 (ms) of ``latencies`` (seconds)."""
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2),
    }


# ---------------------------------------------------------------- round


def quiesce(engine: Any) -> None:
    """On SQLite, checkpoint the WAL now (so the background checkpoint has nothing left to do
    during the next measurement); collect garbage."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction, as a checkpoint must be
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            raw.close()
    gc.collect()


def round_timing_postgresql(admin_url: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """``round_timing`` on a fresh PostgreSQL database (created and dropped here)."""
    from sqlalchemy import create_engine, make_url, text

    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"hrhx_bench_{os.getpid()}"
    try:
        server = create_engine(admin, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: say so in the results
        return {"skipped": f"PostgreSQL at {admin_url} unavailable: {error}"}
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        load_scenario(url, scenario)
        return round_timing(url)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def round_timing(url: str, repeats: int = 11) -> dict[str, Any]:
    """End-to-end round time vs the solve alone on the same frozen scenario.

    End to end is from running a draft round (``POST /v1/rounds/{id}/run``: the snapshot read from
    the database and frozen, the job recorded) to the round ``proposed`` (claimed, solved, result
    and proposals stored) by the server's round worker, running in its own thread as in a server
    and solving in its child process (``exchange.rounds.solver_process``): one engine for the
    whole run, the solver loaded and the heap frozen. The first round (which also compiles
    every statement on the fresh engine) is reported apart; the figures compared
    are the medians of the next ``repeats`` rounds, each followed by ``solver.solve`` alone on
    the scenario that round froze. Both start from the same quiet state (``quiesce``): the
    background WAL checkpoint of the previous writes is over and the garbage collected, so
    neither pays for the other's aftermath. The ratio's baseline is ``solver.solve`` as a library
    caller runs it; the server's child solves with the cyclic collector paused, and the solve
    alone that way is reported too (``ratio_to_solve_collector_paused``), not as the target.
    """

    import solver
    from exchange.rounds import documents
    from exchange.rounds.closing import close_round
    from exchange.rounds.schemas import RoundCreate
    from exchange.rounds.service import create_round, run_round
    from exchange.rounds.tables import Round
    from exchange.rounds.worker import RoundWorker

    engine = make_engine(url)
    # The server's round worker, in its own thread: its child process loads the solver, it freezes
    # the heap. It is woken after each run commits (as the API does), so it need not poll
    # meanwhile (nothing else runs rounds here).
    done: queue.Queue[int] = queue.Queue()
    worker = RoundWorker(engine, worker_id="bench", poll_s=3600, on_done=done.put)
    worker.start()
    runs: list[dict[str, Any]] = []
    for _ in range(repeats + 1):
        with session_scope(engine) as s:  # a draft round, as POST /v1/rounds leaves it
            round_id = create_round(session=s, actor=SYSTEM, data=RoundCreate(name="bench")).id
        assert round_id is not None
        quiesce(engine)
        t0 = time.perf_counter()  # POST /v1/rounds/{id}/run: the snapshot, the job recorded
        with session_scope(engine) as s:
            run_round(session=s, actor=SYSTEM, round_id=round_id)
        worker.wake()  # after the commit, as the API's run does
        t_snapshot = time.perf_counter() - t0
        assert done.get(timeout=300) == round_id  # its outcome stored by the worker
        t_total = time.perf_counter() - t0
        with session_scope(engine) as s:
            stored = s.get(Round, round_id)
            assert stored is not None
            scenario = documents.get(s, round_id, "scenario")
            assert scenario is not None
            status = stored.status
            matches = stored.matches_count
            objective = (stored.priority_fill, stored.min_fill_permille, stored.benefit_usd)
        quiesce(engine)
        t1 = time.perf_counter()
        alone = solver.solve(scenario)
        t_solve = time.perf_counter() - t1
        # also as the server's child solves it, the cyclic collector paused (not the baseline)
        quiesce(engine)
        t2 = time.perf_counter()
        with gc_paused():
            solver.solve(scenario)
        t_solve_paused = time.perf_counter() - t2
        with session_scope(engine) as s:  # closed (nothing confirmed: all expire), the next
            close_round(session=s, actor=SYSTEM, round_id=round_id)  # run may hold its postings
        same = alone.objective is not None and objective == (
            alone.objective.priority_fill,
            alone.objective.min_fill_permille,
            alone.objective.benefit_usd,
        )
        runs.append(
            {
                "status": status,
                "matches": matches,
                "objective": objective,
                "same_objective_alone": same,
                "snapshot_s": t_snapshot,
                "end_to_end_s": t_total,
                "solve_alone_s": t_solve,
                "solve_alone_collector_paused_s": t_solve_paused,
            }
        )
    worker.stop()
    engine.dispose()
    first, steady = runs[0], runs[1:]

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in steady), 4)

    return {
        "status": first["status"],
        "postings": len(scenario["deposits"]) + len(scenario["withdrawals"]),
        "matches": first["matches"],
        "objective": first["objective"],
        "same_objective_alone": all(r["same_objective_alone"] for r in runs),
        "rounds_measured": repeats,
        "snapshot_s": median("snapshot_s"),
        "end_to_end_s": median("end_to_end_s"),
        "solve_alone_s": median("solve_alone_s"),
        "ratio": round(median("end_to_end_s") / median("solve_alone_s"), 3),
        "solve_alone_collector_paused_s": median("solve_alone_collector_paused_s"),
        "ratio_to_solve_collector_paused": round(
            median("end_to_end_s") / median("solve_alone_collector_paused_s"), 3
        ),
        "first_round": {
            "end_to_end_s": round(first["end_to_end_s"], 4),
            "solve_alone_s": round(first["solve_alone_s"], 4),
        },
        "end_to_end_each_s": [round(r["end_to_end_s"], 4) for r in steady],
        "solve_alone_each_s": [round(r["solve_alone_s"], 4) for r in steady],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--slices", type=int, default=4, help="turns each server's load is split into, in rotation"
    )
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server on which to time the round too ('' to skip)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="where to write the results (JSON)"
    )
    parser.add_argument("--serve-app")
    parser.add_argument("--serve-app-uncached")
    parser.add_argument("--serve-bare")
    parser.add_argument("--serve-bare-objects")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve_app:
        serve_app(args.serve_app, args.port)
        return
    if args.serve_app_uncached:
        serve_app(args.serve_app_uncached, args.port, page_cache_mb=0)
        return
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port)
        return
    if args.serve_bare_objects:
        serve_bare_objects(args.serve_bare_objects, args.port)
        return

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        scenario = make_scenario(args.postings)
        token = load_scenario(url, scenario)

        app_proc, app_base = start("app", url)
        try:
            page = httpx.get(
                f"{app_base}/v1/deposits",
                params={"limit": 100},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert page.status_code == 200, page.text
            body_path = Path(tmp) / "page.json"
            body_path.write_bytes(page.content)
            bare_proc, bare_base = start("bare", str(body_path))
            objects_proc, objects_base = start("bare-objects", str(body_path))
            uncached_proc, uncached_base = start("app-uncached", url)
            try:
                bases = {
                    "bare": bare_base,
                    "objects": objects_base,
                    "real": app_base,
                    "uncached": uncached_base,
                }
                measured = load_interleaved(bases, token, args.duration, args.clients, args.slices)
                bare, objects = measured["bare"], measured["objects"]
                real, uncached = measured["real"], measured["uncached"]
            finally:
                for proc in (bare_proc, objects_proc, uncached_proc):
                    proc.terminate()
                    proc.wait()
        finally:
            app_proc.terminate()
            app_proc.wait()
        rounds = round_timing(url)
    rounds_pg = (
        round_timing_postgresql(args.pg_admin_url, scenario)
        if args.pg_admin_url
        else {"skipped": "--pg-admin-url ''"}
    )

    results = {
        "command": "python bench/api_load.py "
        f"--postings {args.postings} --duration {args.duration} --clients {args.clients} "
        f"--slices {args.slices}",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "list_page_100": {
            "bytes": len(page.content),
            "bare_fastapi": bare,
            "bare_fastapi_objects": objects,
            "hrhx": real,
            "hrhx_page_cache_off": uncached,
            "rps_ratio": round(real["rps"] / bare["rps"], 3),
            "rps_ratio_page_cache_off": round(uncached["rps"] / bare["rps"], 3),
            "rps_ratio_vs_objects": round(real["rps"] / objects["rps"], 3),
            "target": ">= 0.5",
        },
        "round_M": {
            **rounds,
            "database": "SQLite (the embedded default)",
            "target_ratio": "<= 1.5",
        },
        "round_M_postgresql": {**rounds_pg, "target_ratio": "<= 1.5"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
