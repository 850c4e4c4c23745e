"""One hard round solved as the exchange's solver child solves it, for the tools that watch it.

`bench/memory_by_phase.py`, `bench/fill_dual_trace.py` and `bench/master_profile.py` each wrap
parts of the solver, then solve one round of `fixtures.hard` (the round-size cap lifted, as for
hard XL) after `solver.round.warm_up`, with the cyclic collector paused.  This is that round
(`solve_watched`), so that all three watch the same thing; the first two also share its report
(`summary`: `bench/master_profile.py` keeps the field names of its earlier results) and their
command line (`tool_main`).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.side_by_side import apply_settings, parse_setting
from fixtures.hard import generate_hard_scenario
from solver.round import run_round, warm_up
from solver.schema import Result

TIME_LIMIT_S = 900
"""Enough for hard XL (about 200-250 s on the hosts measured so far)."""


def solve_watched(
    size: int, seed: int, *, on_start: Callable[[], None] | None = None
) -> tuple[Result, float]:
    """The hard round of ``size`` postings and ``seed``, and its wall seconds.

    ``on_start`` runs once the scenario is generated and the collector paused, just before the
    round starts (a tool resets its clock or starts its reader there)."""
    warm_up()
    raw = generate_hard_scenario(size, seed=seed)
    gc.collect()
    gc.disable()
    try:
        if on_start is not None:
            on_start()
        started = time.monotonic()
        result = run_round(raw, time_limit_s=TIME_LIMIT_S, max_class_pairs=10**12)
        return result, time.monotonic() - started
    finally:
        gc.enable()


def summary(size: int, seed: int, result: Result, wall: float) -> dict[str, Any]:
    """What every tool reports of the round: its size, status, objective and stage seconds."""
    assert result.stats is not None
    assert result.objective is not None
    return {
        "size": size,
        "seed": seed,
        "status": result.status,
        "objective": result.objective.model_dump(),
        "class_pairs": result.stats.class_pairs,
        "wall": round(wall, 2),
        "stages": result.stats.tier_seconds,
    }


def tool_main(
    doc: str, default_size: int, watch: Callable[[int, int], dict[str, Any]]
) -> dict[str, Any]:
    """The command line the watching tools share: ``--size`` postings, ``--seed``, ``--set
    module.NAME=value`` (repeatable, as in `bench/side_by_side.py`: a solver constant changed
    first) and ``--out``, where ``watch(size, seed)``'s row goes with the settings named."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", type=int, default=default_size, help="postings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], type=parse_setting)
    parser.add_argument("--out", type=Path, required=True, help="results JSON")
    args = parser.parse_args()
    apply_settings(args.set)
    row = watch(args.size, args.seed)
    row["settings"] = [f"{m}.{n}={v!r}" for m, n, v in args.set]
    args.out.write_text(json.dumps(row, indent=1) + "\n")
    return row
