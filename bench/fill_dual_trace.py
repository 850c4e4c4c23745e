"""Tier 2's weighted LPs on a hard round, step by step (not a test).

    .venv/bin/python bench/fill_dual_trace.py --size 100000 --seed 0 \
        --set solver.pooled.SHARPEN_STEPS=40 --set solver.pooled.STABILITY=0.5 --out F.json

Tier 2 bounds its level by weighted LPs over tier 1's face (`solver.pooled`): the pooled LPs
with equal weights on a guessed set, then steps of the fill duals, whose weights a restricted
master of the fill vectors found so far chooses.  Whether a change to those steps pays shows
in how many it takes to reach the level, not only in the round's time.  This solves one round
of `fixtures.hard` (`--size` postings, `--seed`; the round-size cap lifted, as for hard XL)
after `solver.round.warm_up`, with the cyclic collector paused, and records in order, with
the seconds since the round began: each weighted LP (``lp``: its optimum and seconds, and
which of `solver.pooled`'s functions ran it), each weighted LP's integer level (``level``) and
each restricted master's lower bound (``lower``).  ``--set module.NAME=value`` (repeatable,
as in `bench/side_by_side.py`) changes a solver constant first.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hard_round import solve_watched, summary, tool_main  # noqa: E402
from solver import pooled, tiers  # noqa: E402

CALLERS = ("pooled_fill_bound", "max_fill_bound", "sharpened", "fill_dual_bound")
"""`solver.pooled`'s functions that run weighted LPs, named on each LP's event."""


class Trace:
    """The events of one round, with the seconds since ``started``."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.events: list[dict[str, Any]] = []
        self.callers: list[str] = []

    def at(self) -> float:
        return round(time.monotonic() - self.started, 2)

    def wrap(
        self,
        module: Any,
        name: str,
        event: Callable[[Any, float], dict[str, Any]],
        begins: Callable[[], None] | None = None,
    ) -> None:
        """``module.name`` recorded as ``event(result, seconds)`` after each call, and
        ``begins()`` called before it (to say a call has begun that may not end)."""
        inner: Callable[..., Any] = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if begins is not None:
                begins()
            began = time.monotonic()
            result = inner(*args, **kwargs)
            self.events.append({"at": self.at(), **event(result, time.monotonic() - began)})
            return result

        setattr(module, name, wrapped)

    def nest(self, module: Any, name: str) -> None:
        """``module.name`` named as the caller of the weighted LPs it runs."""
        inner: Callable[..., Any] = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.callers.append(name)
            try:
                return inner(*args, **kwargs)
            finally:
                self.callers.pop()

        setattr(module, name, wrapped)


def trace_round(size: int, seed: int) -> dict[str, Any]:
    """The round of ``size`` postings and ``seed``, solved once while its steps are traced."""
    trace = Trace()
    trace.wrap(
        pooled,
        "weighted_fill",
        lambda sol, s: {
            "event": "lp",
            "by": trace.callers[-1] if trace.callers else "?",
            "optimum": None if sol.objective is None else round(float(sol.objective), 3),
            "seconds": round(s, 2),
        },
    )
    trace.wrap(pooled, "weighted_level", lambda level, s: {"event": "level", "level": level})
    trace.wrap(
        pooled,
        "mixed_fill",
        lambda mixed, s: {"event": "lower", "lower": None if mixed is None else round(mixed[0], 3)},
    )
    for name in CALLERS:
        trace.nest(pooled, name)
        if hasattr(tiers, name):  # the tier engine imported it by name: the wrapped one there too
            setattr(tiers, name, getattr(pooled, name))

    def start() -> None:
        trace.events.clear()  # the warm-up's own
        trace.started = time.monotonic()

    result, wall = solve_watched(size, seed, on_start=start)
    return {**summary(size, seed, result, wall), "events": trace.events}


def main() -> None:
    row = tool_main(__doc__, 20000, trace_round)
    print(f"{row['status']} in {row['wall']} s, tier 2 {row['stages'].get('min_fill_permille')} s")
    for event in row["events"]:
        shown = {k: v for k, v in event.items() if k not in ("event", "at")}
        print(f"  {event['at']:>8.2f} s  {event['event']:<6} {shown}")


if __name__ == "__main__":
    main()
