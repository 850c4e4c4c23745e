"""A hard round's resident memory, phase by phase (not a test).

    .venv/bin/python bench/memory_by_phase.py --size 40000 --seed 0 \
        --out bench/results/memory_by_phase_40000_seed0.json
    .venv/bin/python bench/memory_by_phase.py --size 100000 --seed 0 \
        --set solver.pooled.SHARPEN_STEPS=40 --out F.json

The issue's XL target bounds a round's peak memory (4 GB), and the peak is set by whichever
phase holds the most at once. This solves one round of `fixtures.hard` (`--size` postings,
`--seed`; the round-size cap lifted, as for hard XL) after `solver.round.warm_up`, with the
cyclic collector paused (as the exchange's solver child runs), while a thread reads the
process's resident set (``/proc/self/statm``) every `INTERVAL` seconds, and on the way into and
out of each phase (so that a phase shorter than that is charged too). Each reading is charged
to the phase running then: the round's steps (`enumerate_pairs`, the model's build,
disaggregation, the explanations) and the tier engine's (each of `PHASES`, by name; nested ones
as ``outer/inner``), wrapped where `solver.round` and `solver.tiers` call them, and the model's
answers to both (`METHODS`, on its class: the greedy's start among them). It records each
phase's highest reading, in order of first entry, with the round's status, objective, stage
seconds and the process's peak (``ru_maxrss``); the readings add about 1 % to the round's time.
``--set module.NAME=value`` (repeatable, as in `bench/side_by_side.py`) changes a solver
constant first.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hard_round import solve_watched, summary, tool_main  # noqa: E402
from solver import round as round_module  # noqa: E402
from solver import tier_mips, tiers  # noqa: E402
from solver.model import RoundModel  # noqa: E402

INTERVAL = 0.02
"""Seconds between two readings of the resident set."""
STEPS = ("enumerate_pairs", "RoundModel", "disaggregate", "explain")
"""What `solver.round.run_round` calls, wrapped there."""
PHASES = (
    "solve_lp_columns",
    "max_fill_bound",
    "pooled_fill_bound",
    "sharpened",
    "fill_dual_bound",
    "keep_face",
    "keep_near_face",
    "round_on_face",
    "round_near_face",
    "rounded_to_cap",
    "certified_mip",
    "integral_vertex",
    "level_left",
    "mip_tier",
)
"""What `solver.tiers` and `solver.tier_mips` call, wrapped in each that holds it."""
METHODS = ("greedy_start", "objective", "likely_columns", "tier_value")
"""What the tier engine and the round ask the model (`solver.model.RoundModel`), wrapped on
its class: once the arrays the phases above hold at once were cut, a round's peak moved
into these (docs/benchmarks-solver.md, twenty-sixth session)."""
PAGE = 4096


def resident_mb() -> float:
    """This process's resident set, in MB."""
    with open("/proc/self/statm") as held:
        return int(held.read().split()[1]) * PAGE / 2**20


class Phases:
    """The phase running now, and each phase's highest reading."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.last = ""
        """The outermost phase that ended last: a reading between phases is charged to what
        follows it (``(after keep_face)``), so that the code the wrappers miss is found."""
        self.peaks: dict[str, float] = {}
        self.order: list[str] = []
        self.lock = threading.Lock()  # the reader thread and the round's own readings

    def now(self) -> str:
        if self.stack:
            return "/".join(self.stack)
        return f"(after {self.last})" if self.last else "(before every phase)"

    def record(self, mb: float) -> None:
        with self.lock:
            name = self.now()
            if name not in self.peaks:
                self.peaks[name] = mb
                self.order.append(name)
            elif mb > self.peaks[name]:
                self.peaks[name] = mb

    def wrap(self, module: Any, name: str) -> None:
        """``module.name`` charged to the phase ``name`` while it runs."""
        inner: Callable[..., Any] = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.stack.append(name)
            self.record(resident_mb())
            try:
                return inner(*args, **kwargs)
            finally:
                self.record(resident_mb())
                with self.lock:
                    self.stack.pop()
                    if not self.stack:
                        self.last = name

        setattr(module, name, wrapped)


def measure(size: int, seed: int) -> dict[str, Any]:
    """The round of ``size`` postings and ``seed``, solved once while its memory is read."""
    phases = Phases()
    for name in STEPS:
        phases.wrap(round_module, name)
    for name in PHASES:
        for module in (tiers, tier_mips):
            if hasattr(module, name):
                phases.wrap(module, name)
    for name in METHODS:
        phases.wrap(RoundModel, name)
    before: list[float] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            phases.record(resident_mb())
            time.sleep(INTERVAL)

    reader = threading.Thread(target=read, daemon=True)

    def start() -> None:
        before.append(resident_mb())
        reader.start()

    try:
        result, wall = solve_watched(size, seed, on_start=start)
    finally:
        done.set()
        if reader.is_alive():
            reader.join()
    return {
        **summary(size, seed, result, wall),
        "resident_before_mb": round(before[0]),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "phases": [{"phase": name, "peak_mb": round(phases.peaks[name])} for name in phases.order],
    }


def main() -> None:
    row = tool_main(__doc__, 40000, measure)
    top = max(row["phases"], key=lambda p: p["peak_mb"])
    print(
        f"{row['status']} in {row['wall']} s, {row['class_pairs']:,} class pairs: peak "
        f"{row['peak_mb']:,} MB (before the round {row['resident_before_mb']:,} MB), highest "
        f"in {top['phase']} ({top['peak_mb']:,} MB)"
    )
    for phase in row["phases"]:
        print(f"  {phase['peak_mb']:>7,} MB  {phase['phase']}")


if __name__ == "__main__":
    main()
