"""Which paths a hard round's tier engine takes, each call timed, and the memory (not a test).

    .venv/bin/python bench/tier_paths.py --size 100000 --seed 5 \\
        --out bench/results/tier_paths_XL_seed5.json

Solves the hard round of ``--size`` postings and ``--seed`` as `bench/hard_round.py` does, with
the tier engine's exact paths wrapped (`solver.tiers`, `solver.tier_mips`: each LP by column
generation, the rounding of a fractional vertex on its face or to the lattice's cap, the MIP
over the reduced costs, the faces kept, tier 2's bounds). Each call is one event, listed as it
ends (a call made inside another, as `rounded_to_cap` makes `round_on_face`, comes first): its
function, when it began, the seconds it took, what it returned (an LP's outcome, or whether a
rounding found a point) and the resident and peak memory after it. A round that takes a slow
path shows it here at once: hard XL seed 5 spent 450 s in `certified_mip` after `rounded_to_cap`
found nothing, because its tier-3 bound was read off the lattice (docs/benchmarks-solver.md,
thirty-third session). Each call is also printed to stderr as it begins and as it ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fill_dual_trace import Trace  # noqa: E402
from bench.hard_round import solve_watched, summary, tool_main  # noqa: E402
from solver import tier_mips, tiers  # noqa: E402

PATHS = (
    "solve_lp_columns",
    "integral_vertex",
    "round_on_face",
    "round_near_face",
    "rounded_to_cap",
    "master_mip",
    "certified_mip",
    "keep_face",
    "keep_near_face",
    "mip_tier",
    "pooled_fill_bound",
    "sharpened",
    "fill_dual_bound",
    "level_left",
)
"""The functions each event names, wrapped in `solver.tiers` (the engine's calls) and in
`solver.tier_mips` (the calls its MIPs and roundings make) wherever the module holds them."""


def resident_mb() -> tuple[int, int]:
    """This process's resident and peak resident memory, MB (the kernel's ``VmRSS`` and
    ``VmHWM``: the peak read with the present, which ``getrusage`` may not have caught up
    with)."""
    with open("/proc/self/status") as status:
        text = status.read()
    now, peak = (int(text.split(f"{key}:")[1].split()[0]) // 1024 for key in ("VmRSS", "VmHWM"))
    return now, peak


def returned(result: Any) -> str:
    """What a call returned, in a word: an LP's outcome, or whether it found anything."""
    outcome = getattr(result, "outcome", None)
    if outcome is not None:
        return str(outcome.name)
    if isinstance(result, bool):
        return str(result)
    return "none" if result is None else "found"


def watch(size: int, seed: int) -> dict[str, Any]:
    """Solve the round with `PATHS` wrapped; the summary and every call's event (each from
    when the call began, the round's start being 0)."""
    trace = Trace()

    def begins(name: str) -> Callable[[], None]:
        def said() -> None:
            now, _ = resident_mb()
            print(f"{trace.at():>8.2f} s  {name} begins at {now} MB", file=sys.stderr, flush=True)

        return said

    def event(name: str) -> Callable[[Any, float], dict[str, Any]]:
        def made(result: Any, seconds: float) -> dict[str, Any]:
            now, peak = resident_mb()
            print(
                f"{trace.at():>8.2f} s  {name} ends: {returned(result)}, {now} MB (peak {peak})",
                file=sys.stderr,
                flush=True,
            )
            return {
                "at": round(trace.at() - seconds, 2),
                "call": name,
                "seconds": round(seconds, 3),
                "returned": returned(result),
                "resident_mb": now,
                "peak_mb": peak,
            }

        return made

    for name in PATHS:
        for module in (tiers, tier_mips):
            if hasattr(module, name):
                trace.wrap(module, name, event(name), begins(name))

    def start() -> None:
        trace.events.clear()  # the warm-up's own
        trace.started = time.monotonic()

    result, wall = solve_watched(size, seed, on_start=start)
    return {**summary(size, seed, result, wall), "events": trace.events}


def main() -> None:
    row = tool_main(__doc__ or "", 20_000, watch)
    slow = sorted(row["events"], key=lambda e: -e["seconds"])[:5]
    print(f"{row['status']} in {row['wall']} s; the slowest calls:")
    for event in slow:
        print(f"  {event['call']:<18} {event['seconds']:>8.2f} s  {event['returned']}")


if __name__ == "__main__":
    main()
