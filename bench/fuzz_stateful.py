"""Schemathesis's stateful phase against the real server: sequences of calls that feed one
operation's response into the next (the links schemathesis infers from the OpenAPI document:
an id created by a POST used by the GET, PATCH, DELETE, accept, run, close ... of it).

    .venv/bin/python bench/fuzz_stateful.py [--seconds 240] [--roles admin,phl] [--seed 22]
        [--checks all] [--exclude-checks CHECK,...] [--out bench/results/fuzz_stateful.json]

The server (``python -m uvicorn --factory api.server:app_factory``, its round worker included)
runs on a fresh SQLite file holding the reference rows, a user per role and a "world" (an
agreement, a proposed round, a booked placement: ``tests/reliability/conftest.build_world``), with
no rate limit. For each role, ``schemathesis run --phases stateful`` runs for ``--seconds`` with
that role's token; its JSON report and its summary are kept under ``bench/results/`` and the
figures (operations, links, scenarios, failures by check) written to ``--out``. Exit 1 when
schemathesis reports a failure.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXCLUDED = "/v1/me/token|/v1/users/.*"
"""Operations that revoke users or replace tokens would lock the run out of its own credentials."""


def world(url: str) -> dict[str, str]:
    """Migrate, seed and build the world on ``url``; the tokens."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api.app import create_app
    from exchange.config import Settings
    from exchange.db import make_engine
    from exchange.migrate import upgrade
    from tests.api.conftest import Api, seed
    from tests.reliability.conftest import build_world

    upgrade(url)
    engine = make_engine(url)
    tokens = seed(engine)
    with TestClient(create_app(Settings(rate_limit_per_minute=0), engine=engine)) as client:
        build_world(Api(client=client, tokens=tokens, engine=engine))
    engine.dispose()
    return tokens


def summary(text: str) -> dict[str, Any]:
    """The figures schemathesis prints at the end of a run (ANSI colours removed)."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    found: dict[str, Any] = {}
    for key, pattern in {
        "scenarios": r"Scenarios:\s*(.+)",
        "links": r"API Links:\s*(.+)",
        "operations tested": r"Tested:\s*(.+)",
        "test cases": r"Test cases:\s*\n\s*(.+)",
        "result": r"^=+ (.+ in [0-9.]+s) =+$",
    }.items():
        m = re.search(pattern, plain, re.M)
        if m:
            found[key] = m.group(1).strip()
    section = re.search(r"^Failures:\n(.*?)^(?:For more|Test cases)", plain, re.M | re.S)
    found["failures by check"] = (
        [line.strip(" ❌") for line in section.group(1).splitlines() if line.strip()]
        if section
        else []
    )
    found["requests of failing scenarios"] = sorted(
        set(re.findall(r"^\s*curl -X (\w+) .*?'?(http://\S+?)'?$", plain, re.M))
    )[:60]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=240, help="per role")
    parser.add_argument("--roles", default="admin,phl")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--checks", default="all")
    parser.add_argument(
        "--exclude-checks",
        default="",
        help="e.g. positive_data_acceptance: its findings end a scenario early",
    )
    parser.add_argument("--out", default="bench/results/fuzz_stateful.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from tests.reliability.crashing import Server

    results: list[dict[str, Any]] = []
    failed = False
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/stateful.sqlite3"
        tokens = world(url)
        server = Server(url, Path(tmp) / "server.log").start()
        try:
            for role in args.roles.split(","):
                report = out.with_name(f"{out.stem}_{role}_report.json").resolve()
                command = [
                    str(SCHEMATHESIS),
                    "run",
                    f"{server.base}/openapi.json",
                    "--phases",
                    "stateful",
                    "--max-time",
                    str(args.seconds),
                    "--checks",
                    args.checks,
                    "--seed",
                    str(args.seed),
                    "--exclude-path-regex",
                    EXCLUDED,
                    "-H",
                    f"Authorization: Bearer {tokens[role]}",
                    "--report",
                    "json",
                    "--report-json-path",
                    str(report),
                    "--no-color",
                ]
                if args.exclude_checks:
                    command += ["--exclude-checks", args.exclude_checks]
                started = time.monotonic()
                # in the temporary directory: schemathesis leaves its cache where it runs
                done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
                text = done.stdout + done.stderr
                out.with_name(f"{out.stem}_{role}.txt").write_text(text)
                figures = {
                    "role": role,
                    "seconds budget": args.seconds,
                    "checks": args.checks,
                    "excluded checks": args.exclude_checks,
                    "wall seconds": round(time.monotonic() - started, 1),
                    "exit code": done.returncode,
                    **summary(text),
                }
                results.append(figures)
                print(json.dumps(figures, indent=2), flush=True)
                failed = failed or done.returncode != 0
        finally:
            server.stop()
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
