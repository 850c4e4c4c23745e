"""API benchmark (not a test): the CPU time one list request costs, in process, for a busy host.

    .venv/bin/python bench/api_cpu_per_request.py [--checkout DIR] [--requests 2000]

Loads the data of ``bench/api_load.py`` into a SQLite file, then sends ``GET
/v1/deposits?limit=100`` through the whole app (middleware, dependencies, the page cache) with
Starlette's test client and reports the process CPU time per request (``time.process_time``),
which other processes on the host do not inflate the way they inflate requests/s. With
``--checkout``, the code of that other checkout is measured instead (run it once per checkout,
alternately, for a side-by-side comparison).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", type=Path, default=HERE)
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = args.checkout.resolve()
    sys.path[:0] = [str(root), str(root / "bench")]
    from api_load import load_scenario, make_scenario

    from api.app import create_app
    from exchange.config import Settings
    from exchange.db import make_engine
    from exchange.migrate import upgrade

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        token = load_scenario(url, make_scenario(args.postings))
        settings = Settings(database_url=url, rate_limit_per_minute=0)
        app = create_app(settings, engine=make_engine(url))
        per_request_us: list[float] = []
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.get("/v1/deposits", params={"limit": 100}).status_code == 200
            for _ in range(args.repeats):
                started = time.process_time()
                for _ in range(args.requests):
                    client.get("/v1/deposits", params={"limit": 100})
                took = time.process_time() - started
                per_request_us.append(took / args.requests * 1e6)
    print(
        json.dumps(
            {
                "checkout": str(root),
                "cpu_us_per_request_median": round(statistics.median(per_request_us), 1),
                "cpu_us_per_request_each": [round(x, 1) for x in per_request_us],
            }
        )
    )


if __name__ == "__main__":
    main()
