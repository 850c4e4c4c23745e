"""Hard rounds solved two ways, seed by seed, in child processes: a change against its baseline.

    .venv/bin/python bench/side_by_side.py --seeds 0-35 \\
        --variant solver.tiers.ELASTIC_TIER_3=False \\
        --out bench/results/hard_L_elastic_sbs.jsonl

Per-seed times on this 2-core host move by 1-2 s between identical runs, more than most
changes gain, so a change is judged on the sum over many seeds run side by side (the
benchmarks' habit since the tenth session).  For each seed the generated hard round
(`fixtures.hard.generate_hard_scenario`, ``--size`` postings) is solved by two child
processes, one after the other, each with the cyclic collector paused as the exchange's solver
child runs:

- *base*: this tree as it is, or the tree at ``--base-tree`` (a worktree of another commit);
- *variant*: this tree with the module constants of ``--variant`` set before the round
  (``module.NAME=python-literal``, repeatable), or the tree at ``--variant-tree``.

The order alternates (base first on even seeds), so that a drift of the host's speed weighs on
both sides alike.  Each seed's two results go to ``--out`` as one JSON line (wall seconds,
status, the three tier values, the per-stage seconds); the summary at the end gives the sums,
the seeds each side won and whether every seed reached the same status and objectives.
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def seed_list(text: str) -> list[int]:
    """``0-35`` or ``3,7,12`` or a mix (``0-3,9``)."""
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = part.split("-")
            seeds.extend(range(int(first), int(last) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def parse_setting(text: str) -> tuple[str, str, Any]:
    """``module.NAME=literal`` as (module, NAME, value); the value a Python literal."""
    target, _, literal = text.partition("=")
    module, _, name = target.rpartition(".")
    if not module or not name or not literal:
        raise argparse.ArgumentTypeError(f"expected module.NAME=value, got {text!r}")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError) as problem:
        raise argparse.ArgumentTypeError(
            f"the value {literal!r} is not a Python literal (True, 0.05, 'text')"
        ) from problem
    return module, name, value


def apply_settings(settings: list[tuple[str, str, Any]]) -> None:
    """Each ``module.NAME`` set to its value; a name the module lacks stops with a message."""
    for module, name, value in settings:
        held = importlib.import_module(module)
        if not hasattr(held, name):
            raise SystemExit(f"{module} has no {name} to set (a typo?)")
        setattr(held, name, value)


def solve_one(
    tree: str, size: int, seed: int, settings: list[str], max_class_pairs: int | None = None
) -> dict[str, Any]:
    """Child process: the round of ``seed`` solved by the solver of ``tree`` (under the
    round-size cap ``max_class_pairs``, the solver's default for None)."""
    sys.path.insert(0, tree)
    apply_settings([parse_setting(text) for text in settings])
    import solver
    from fixtures.hard import generate_hard_scenario
    from solver.round import run_round

    where = Path(solver.__file__).resolve()
    assert where.is_relative_to(Path(tree).resolve()), f"solver imported from {where}"
    raw = generate_hard_scenario(size, seed=seed)
    warm_up_if_compiled()
    gc.collect()
    gc.disable()
    started = time.monotonic()
    # passed only when asked: a base tree from before bd92bd4 has no round-size cap to take
    limits = {} if max_class_pairs is None else {"max_class_pairs": max_class_pairs}
    result = run_round(raw, time_limit_s=300, **limits)
    wall = time.monotonic() - started
    assert result.objective is not None
    assert result.stats is not None
    objective = result.objective
    return {
        "wall": round(wall, 2),
        "status": result.status,
        "objective": [
            objective.priority_fill,
            objective.min_fill_permille,
            objective.benefit_usd,
        ],
        "seconds": result.stats.tier_seconds,
    }


def warm_up_if_compiled() -> None:
    """What the exchange's solver child does before its first round
    (`exchange.rounds.solver_process.serve`): load the compiled loops, in a tree that has
    them (from 9f2e26a on; a tiny round from the sixteenth session on, which loads all of
    them), so that no side times numba's cache load (0.3 s) or its compiling."""
    try:
        from solver.round import warm_up
    except ImportError:
        try:
            from solver.compiled_rules import warm_up
        except ImportError:
            return
    warm_up()


def in_child(
    tree: Path, size: int, seed: int, settings: list[str], max_class_pairs: int | None = None
) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(tree)]
    command += ["--size", str(size), "--seeds", str(seed)]
    if max_class_pairs is not None:
        command += ["--max-class-pairs", str(max_class_pairs)]
    for text in settings:
        command += ["--variant", text]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"seed {seed} failed in {tree}:\n{done.stderr.strip()[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def summary(rows: list[dict[str, Any]]) -> str:
    base = sum(r["base"]["wall"] for r in rows)
    variant = sum(r["variant"]["wall"] for r in rows)
    faster = sum(r["variant"]["wall"] < r["base"]["wall"] for r in rows)
    slower = sum(r["variant"]["wall"] > r["base"]["wall"] for r in rows)
    differ = [
        r["seed"]
        for r in rows
        if (r["base"]["status"], r["base"]["objective"])
        != (r["variant"]["status"], r["variant"]["objective"])
    ]
    change = 100.0 * (variant - base) / base if base else 0.0
    same = "the same status and objectives on every seed" if not differ else f"differ: {differ}"
    return (
        f"{len(rows)} seeds: variant {variant:.1f} s against base {base:.1f} s ({change:+.1f} %),"
        f" variant faster on {faster}, slower on {slower}; {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=seed_list, default=seed_list("0-11"))
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--variant", action="append", default=[], help="module.NAME=value")
    parser.add_argument("--base-tree", type=Path, default=ROOT)
    parser.add_argument("--variant-tree", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--max-class-pairs",
        type=int,
        default=None,
        help="the round-size cap (the solver's default; rounds above 5 M class pairs need more)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        found = solve_one(args.child, args.size, args.seeds[0], args.variant, args.max_class_pairs)
        print(json.dumps(found))
        return
    for text in args.variant:
        try:
            parse_setting(text)  # a malformed setting stops here, not in the first child
        except argparse.ArgumentTypeError as problem:
            parser.error(f"--variant {text!r}: {problem}")
    sides = {"base": (args.base_tree, []), "variant": (args.variant_tree, args.variant)}
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        order = ["base", "variant"] if seed % 2 == 0 else ["variant", "base"]
        row: dict[str, Any] = {"seed": seed}
        for side in order:
            tree, settings = sides[side]
            row[side] = in_child(tree, args.size, seed, settings, args.max_class_pairs)
        rows.append(row)
        if args.out:
            with args.out.open("a") as out:
                out.write(json.dumps(row) + "\n")
        print(
            f"seed {seed}: variant {row['variant']['wall']} s, base {row['base']['wall']} s",
            flush=True,
        )
    print(summary(rows))


if __name__ == "__main__":
    main()
