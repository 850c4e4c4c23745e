"""Command line of a round: ``python -m solver SCENARIO.json|- [--time-limit S] [--seed N]``.

Prints the result JSON on standard output; exit code 0, or 2 for an invalid scenario (the
``INVALID`` result is still printed).  A round too large for the solver (``solver.limits``) is
refused the same way, its ``errors`` saying why.  `run_cli` is reused by the main CLI.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from solver.limits import RoundTooLarge
from solver.round import run_round
from solver.schema import Problem, Result

EXIT_OK = 0
EXIT_INVALID = 2


def _read(path: str) -> Any:
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def run_cli(
    path: str,
    time_limit: float | None = None,
    seed: int | None = None,
    max_class_pairs: int | None = None,
) -> int:
    """Solve the scenario at ``path`` ('-': stdin), print the result JSON, return the exit code."""
    try:
        raw = _read(path)
        result = run_round(raw, time_limit_s=time_limit, seed=seed, max_class_pairs=max_class_pairs)
    except (OSError, json.JSONDecodeError, RoundTooLarge) as exc:
        result = Result(status="INVALID", errors=[Problem(path="$", message=str(exc))])
    print(json.dumps(result.model_dump(mode="json", exclude_none=True), indent=2))
    return EXIT_INVALID if result.status == "INVALID" else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver", description=__doc__)
    parser.add_argument("scenario", help="scenario JSON file, or - for standard input")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (overrides policy)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (overrides policy)")
    parser.add_argument(
        "--max-class-pairs",
        type=int,
        default=None,
        help="refuse a round with more eligible class pairs (default: solver.limits)",
    )
    args = parser.parse_args(argv)
    return run_cli(args.scenario, args.time_limit, args.seed, args.max_class_pairs)
