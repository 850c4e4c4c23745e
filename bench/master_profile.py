"""Where a hard round's tier LPs spend their time, master by master (not a test).

    .venv/bin/python bench/master_profile.py --size 20000 --seed 0 \
        --out bench/results/master_profile_hard_L.json

Solves the hard round of ``--size`` postings and ``--seed`` as `bench/hard_round.py` does (after
the warm-up, the cyclic collector paused as the exchange's solver child runs it, the round-size
cap lifted so that hard XL runs too), and records every solve of the
persistent GLOP master (`solver.master.GlopMaster`): its columns, GLOP's simplex iterations and
the seconds it took, plus the seconds spent appending priced-out columns.  Each column-generation
run (`solver.tiers.solve_lp_columns`, one per LP tier) is one group in the output.  The figures of
docs/benchmarks-solver.md's "Third session" were measured this way.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import solver.master as master_module  # noqa: E402
import solver.tiers as tiers_module  # noqa: E402
from bench.hard_round import solve_watched  # noqa: E402


def profile(size: int, seed: int) -> dict[str, Any]:
    """Run the round with the master's solve and add timed; the per-tier record."""
    tiers: list[dict[str, Any]] = []
    solve, add, columns = (
        master_module.GlopMaster.solve,
        master_module.GlopMaster.add,
        tiers_module.solve_lp_columns,  # type: ignore[attr-defined]
    )

    def timed_solve(self: Any, time_limit: float) -> Any:
        t0 = time.monotonic()
        out = solve(self, time_limit)
        tiers[-1]["masters"].append(
            {
                "columns": len(self.columns),
                "iterations": self.iterations,
                "seconds": round(time.monotonic() - t0, 3),
            }
        )
        return out

    def timed_add(self: Any, cols: Any) -> None:
        t0 = time.monotonic()
        add(self, cols)
        tiers[-1]["add_seconds"] += time.monotonic() - t0

    def timed_columns(lp: Any, cost: Any, **kwargs: Any) -> Any:
        free = int(((lp.col_hi > 0) | (lp.col_lo > 0)).sum())
        tiers.append({"free_columns": free, "masters": [], "add_seconds": 0.0})
        t0 = time.monotonic()
        out = columns(lp, cost, **kwargs)
        tiers[-1].update(
            outcome=out.outcome.name,
            objective=out.objective,
            seconds=round(time.monotonic() - t0, 3),
            add_seconds=round(tiers[-1]["add_seconds"], 3),
        )
        return out

    master_module.GlopMaster.solve = timed_solve  # type: ignore[method-assign]
    master_module.GlopMaster.add = timed_add  # type: ignore[method-assign]
    tiers_module.solve_lp_columns = timed_columns  # type: ignore[attr-defined]
    try:
        result, wall = solve_watched(size, seed, on_start=tiers.clear)  # not the warm-up's
    finally:
        master_module.GlopMaster.solve = solve  # type: ignore[method-assign]
        master_module.GlopMaster.add = add  # type: ignore[method-assign]
        tiers_module.solve_lp_columns = columns  # type: ignore[attr-defined]
    assert result.objective is not None
    assert result.stats is not None
    return {
        "size": size,
        "seed": seed,
        "status": result.status,
        "objective": result.objective.model_dump(),
        "wall_seconds": round(wall, 3),
        "stage_seconds": result.stats.tier_seconds,
        "class_pairs": result.stats.class_pairs,
        "column_generation": tiers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    record = profile(args.size, args.seed)
    for k, tier in enumerate(record["column_generation"], 1):
        print(f"LP {k}: {tier['free_columns']} free columns, {tier['seconds']} s")
        for m in tier["masters"]:
            print(f"   master {m['columns']} columns, {m['iterations']} it, {m['seconds']} s")
    print(record["status"], record["objective"], f"{record['wall_seconds']} s")
    if args.out:
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
