"""Where a hard round's wall time goes: the solvers' own calls against the Python and numpy
around them (not a test).

    .venv/bin/python bench/round_split.py --seeds 0-5 --out bench/results/F.jsonl
    .venv/bin/python bench/round_split.py --size 100000 --seeds 0 --max-class-pairs 1000000000

`stats.tier_seconds` times the phases of a round; a tier's phase holds its LP solves and also
the numpy and Python around them (pricing, faces, blocks, rounding, the models' protos).  This
splits each seed's round (`fixtures.hard.generate_hard_scenario`, ``--size`` postings, solved by
`solver.round.run_round` in a child process of its own after `solver.round.warm_up`, collector
paused) into:

- the steps before and after the tiers (validation, eligibility, build, greedy,
  disaggregation, explanations), each with its system time (page faults: see
  docs/benchmarks-solver.md, sixteenth session);
- within the tiers, the main thread's solver calls (GLOP's masters with their HiGHS crash,
  `model_builder` LPs, MIPs), the blocks solved two at once (wall time, and the solver time
  their threads spent), and the rest: Python and numpy on the main thread, of which pricing
  (every column's reduced cost, the best priced-out column of each row) is shown apart.

A round that fails in its child (the round-size cap, say: hard XL needs ``--max-class-pairs``)
stops the tool with the reason.

The time of each step is measured by wrapping the module attribute the round looks it up by;
the wrappers cost microseconds a call.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import multiprocessing as mp
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.side_by_side import seed_list  # noqa: E402


def _usage() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime, own.ru_stime


def split_round(size: int, seed: int, max_class_pairs: int | None = None) -> dict[str, Any]:
    """One round, its steps timed (run in a child process: `main`)."""
    import solver.columns as columns
    import solver.master as master
    import solver.model as model
    import solver.pooled as pooled
    import solver.round as round_module
    import solver.rounding as rounding
    import solver.tier_mips as tier_mips
    from fixtures.hard import generate_hard_scenario

    wall: dict[str, float] = {}
    system: dict[str, float] = {}

    def timed(owner: Any, name: str, label: str, *, main_only: bool = False) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            on_main = threading.current_thread() is threading.main_thread()
            key = label if on_main else f"{label} (block threads)"
            if main_only and not on_main:
                return inner(*args, **kwargs)
            start, (_, sys0) = time.perf_counter(), _usage()
            try:
                return inner(*args, **kwargs)
            finally:
                wall[key] = wall.get(key, 0.0) + time.perf_counter() - start
                if on_main:
                    system[key] = system.get(key, 0.0) + _usage()[1] - sys0

        setattr(owner, name, wrapper)

    for name in ("validate_scenario", "enumerate_pairs", "disaggregate", "explain"):
        timed(round_module, name, name)
    timed(model.RoundModel, "greedy_start", "greedy_flows")
    timed(model.RoundModel, "__init__", "build")
    timed(model.RoundModel, "solve", "tiers")
    timed(master.GlopMaster, "_solve", "solver")
    for owner in (columns, pooled):
        timed(owner, "solve_lp", "solver")
    for owner in (tier_mips, rounding):
        timed(owner, "solve_mip", "solver")
    timed(columns, "solve_by_blocks", "blocks", main_only=True)
    # pricing: every column's reduced cost, and the best priced-out column of each row
    timed(columns, "_reduced_costs", "pricing: reduced costs")
    timed(columns, "_priced", "pricing: best of each row")

    round_module.warm_up()
    raw = generate_hard_scenario(size, seed=seed)
    wall.clear()
    system.clear()
    gc.disable()
    user0, sys0 = _usage()
    start = time.perf_counter()
    result = round_module.run_round(raw, time_limit_s=900, max_class_pairs=max_class_pairs)
    total = time.perf_counter() - start
    user1, sys1 = _usage()
    gc.enable()
    tiers_wall = wall.pop("tiers", 0.0)
    solver_main = wall.get("solver", 0.0)
    blocks_wall = wall.get("blocks", 0.0)
    assert result.objective is not None
    return {
        "seed": seed,
        "size": size,
        "status": result.status,
        "objective": list(result.objective.model_dump().values()),
        "wall": round(total, 3),
        "user": round(user1 - user0, 3),
        "system": round(sys1 - sys0, 3),
        "tiers": round(tiers_wall, 3),
        "tiers_python_numpy": round(tiers_wall - solver_main - blocks_wall, 3),
        "outside_tiers": round(total - tiers_wall, 3),
        "steps": {k: round(v, 3) for k, v in sorted(wall.items())},
        "system_by_step": {k: round(v, 3) for k, v in sorted(system.items())},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def _child(size: int, seed: int, max_class_pairs: int | None, queue: Any) -> None:
    try:
        queue.put(split_round(size, seed, max_class_pairs))
    except BaseException as exc:  # the parent waits on the queue: tell it, never leave it
        queue.put({"error": f"{type(exc).__name__}: {exc}"})
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seeds", type=seed_list, default=[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--max-class-pairs",
        type=int,
        default=None,
        help="the round-size cap (solver.limits.MAX_CLASS_PAIRS by default; hard XL needs 10**9)",
    )
    args = parser.parse_args()
    spawn = mp.get_context("spawn")
    rows = []
    for seed in args.seeds:
        queue = spawn.Queue()
        child = spawn.Process(target=_child, args=(args.size, seed, args.max_class_pairs, queue))
        child.start()
        row = queue.get()
        child.join()
        if "error" in row:
            raise SystemExit(f"seed {seed}: the round failed: {row['error']}")
        rows.append(row)
        print(
            f"seed {seed}: {row['wall']} s ({row['status']}); tiers {row['tiers']} s, of which "
            f"solver calls {row['steps'].get('solver', 0.0)} s on the main thread, blocks "
            f"{row['steps'].get('blocks', 0.0)} s, Python and numpy {row['tiers_python_numpy']} s;"
            f" outside the tiers {row['outside_tiers']} s; system time {row['system']} s"
        )
        if args.out:
            with args.out.open("a") as out:
                out.write(json.dumps(row) + "\n")
    if len(rows) > 1:
        total = sum(r["wall"] for r in rows)
        parts = {
            "solver calls (main thread)": sum(r["steps"].get("solver", 0.0) for r in rows),
            "blocks (two threads)": sum(r["steps"].get("blocks", 0.0) for r in rows),
            "Python and numpy in the tiers": sum(r["tiers_python_numpy"] for r in rows),
            "outside the tiers": sum(r["outside_tiers"] for r in rows),
        }
        print(f"{len(rows)} seeds, {total:.1f} s:")
        for name, seconds in parts.items():
            print(f"   {name}: {seconds:.1f} s ({100 * seconds / total:.0f} %)")


if __name__ == "__main__":
    main()
