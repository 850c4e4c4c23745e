"""The hard generator's round with one setting changed, each solved in full (not a test).

    .venv/bin/python bench/hard_variants.py --size 20000 --seeds 0 \
        --out bench/results/hard_variants_L_seed0.json
    .venv/bin/python bench/hard_variants.py --size 5000 --seeds 0-9 \
        --set solver.tiers.WHOLE_TIER_2=False --out F.json

Every ladder figure comes from `fixtures.hard`'s one policy (strict safeguards, a depletion cap,
6 months of training per level, a benefit floor, quotas) and its one balance of supply and
demand.  A round the exchange is given may differ in any of them, and the tier engine's path
(whether the pooled level holds, how many levels tier 3 proves out, whether a vertex is
fractional) depends on them.  This solves each generated round (`--size`, each of `--seeds`)
as is and once per variant below, one after another in this process with the cyclic collector
paused (as the exchange's solver child runs), and records each round's status, objective, wall
time and per-stage seconds.  ``--set module.NAME=value`` (repeatable, as in
`bench/side_by_side.py`) runs them all with a solver constant changed, to compare two runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.side_by_side import (  # noqa: E402
    apply_settings,
    parse_setting,
    seed_list,
    warm_up_if_compiled,
)
from fixtures.hard import generate_hard_scenario  # noqa: E402
from solver.round import run_round  # noqa: E402

Raw = dict[str, Any]


def _policy(**changes: Any) -> Callable[[Raw], None]:
    def apply(raw: Raw) -> None:
        raw["policy"].update(changes)

    return apply


def _counts(side: str, factor: int) -> Callable[[Raw], None]:
    def apply(raw: Raw) -> None:
        for posting in raw[side]:
            posting["count"] *= factor

    return apply


def _no_quotas(raw: Raw) -> None:
    for agreement in raw["agreements"]:
        agreement["quotas"], agreement["quota_used"] = {}, {}


VARIANTS: dict[str, tuple[str, Callable[[Raw], None]]] = {
    "as generated": ("the generator's round", lambda raw: None),
    "code": (
        "safeguard_mode code (listed origins need a g2g agreement only)",
        _policy(safeguard_mode="code"),
    ),
    "no depletion cap": (
        "max_depletion_share null (no C3 rows)",
        _policy(max_depletion_share=None),
    ),
    "supply x2": ("every deposit's count doubled", _counts("deposits", 2)),
    "demand x2": ("every withdrawal's count doubled", _counts("withdrawals", 2)),
    "no floor": ("benefit_floor_ratio 0", _policy(benefit_floor_ratio=0)),
    "3 months a level": (
        "language_months_per_level 3 (more pairs bridge a gap)",
        _policy(language_months_per_level=3),
    ),
    "no quotas": ("no agreement quotas (no C2 rows)", _no_quotas),
    "safeguards off": (
        "safeguard_mode off (listed origins as any other)",
        _policy(safeguard_mode="off"),
    ),
    "floor 0.5": (
        "benefit_floor_ratio 0.5 (fewer pairs meet the floor)",
        _policy(benefit_floor_ratio=0.5),
    ),
    "free training": (
        "language_months_per_level 0 (every language gap bridges)",
        _policy(language_months_per_level=0),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="postings")
    parser.add_argument("--seeds", type=seed_list, default=[0], help="0-9, or 3,7, or a mix")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--only", default="", help="comma-separated variant names")
    parser.add_argument(
        "--set", type=parse_setting, action="append", default=[], help="module.NAME=value"
    )
    parser.add_argument("--out", type=Path, default=None, help="results JSON")
    args = parser.parse_args()
    chosen = [v.strip() for v in args.only.split(",") if v.strip()] or list(VARIANTS)
    unknown = [name for name in chosen if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {list(VARIANTS)}")
    apply_settings(args.set)
    warm_up_if_compiled()
    rows = []
    gc.disable()
    for seed in args.seeds:
        for name in chosen:
            rows.append(solve_variant(args.size, seed, name, args.time_limit))
    doc = {
        "size": args.size,
        "seeds": args.seeds,
        "settings": [f"{m}.{n}={v!r}" for m, n, v in args.set],
        "time_limit_s": args.time_limit,
        "runs": rows,
    }
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n")


def solve_variant(size: int, seed: int, name: str, time_limit: float) -> dict[str, Any]:
    """The round of ``size`` postings and ``seed`` with variant ``name``, solved and summed up."""
    what, change = VARIANTS[name]
    raw = generate_hard_scenario(size, seed=seed)
    change(raw)
    started = time.monotonic()
    result = run_round(raw, time_limit_s=time_limit)
    wall = time.monotonic() - started
    gc.collect()
    assert result.objective is not None
    assert result.stats is not None
    row = {
        "seed": seed,
        "variant": name,
        "change": what,
        "status": result.status,
        "wall_s": round(wall, 2),
        "objective": result.objective.model_dump(),
        "class_pairs": result.stats.class_pairs,
        "stage_seconds": result.stats.tier_seconds,
    }
    print(
        f"seed {seed:3d} {name:17s} {result.status:8s} {wall:6.1f} s"
        f"  pairs {row['class_pairs']:>9,}  tiers {row['objective']}",
        flush=True,
    )
    return row


if __name__ == "__main__":
    main()
