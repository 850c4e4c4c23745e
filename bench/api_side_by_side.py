"""API benchmark (not a test): the list page of two versions of hrhx side by side.

    git archive <rev> | tar -x -C /tmp/hrhx-before
    .venv/bin/python bench/api_side_by_side.py --before /tmp/hrhx-before [--runs 3]

``GET /v1/deposits?limit=100`` on a bare FastAPI endpoint returning the page's bytes, on the app
of ``--before`` (another checkout: its own ``bench/api_load.py`` serves it) and on this checkout's
app, all on one SQLite file loaded as ``bench/api_load.py`` does, each in its own uvicorn process,
in turns taken in rotation (``load_interleaved``), so that both versions meet the same moments of
a busy host. Prints, and writes to ``--out``, requests/s, p50 and p99 per server and the ratio of
each app to the bare endpoint, per run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import (  # noqa: E402
    load_interleaved,
    load_scenario,
    make_scenario,
    start,
)

from exchange.migrate import upgrade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--slices", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/api_side_by_side.json")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        token = load_scenario(url, make_scenario(args.postings))
        after_proc, after_base = start("app", url)
        before_script = args.before.resolve() / "bench" / "api_load.py"
        before_proc, before_base = start("app", url, script=before_script)
        page = httpx.get(
            f"{after_base}/v1/deposits",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {token}"},
        )
        body_path = Path(tmp) / "page.json"
        body_path.write_bytes(page.content)
        bare_proc, bare_base = start("bare", str(body_path))
        bases = {"bare": bare_base, "before": before_base, "after": after_base}
        try:
            for _ in range(args.runs):
                measured = load_interleaved(bases, token, args.duration, args.clients, args.slices)
                bare_rps = measured["bare"]["rps"]
                run = {
                    **measured,
                    "ratio_before": round(measured["before"]["rps"] / bare_rps, 3),
                    "ratio_after": round(measured["after"]["rps"] / bare_rps, 3),
                }
                print(json.dumps(run), flush=True)
                runs.append(run)
        finally:
            for proc in (after_proc, before_proc, bare_proc):
                proc.terminate()
                proc.wait()
    command = " ".join(sys.argv)
    args.out.write_text(json.dumps({"command": command, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
