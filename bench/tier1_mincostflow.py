"""Tier 1 by OR-Tools' min-cost flow against the engine's LP (not a test).

    .venv/bin/python bench/tier1_mincostflow.py --generator hard --size 20000 --seed 0 \
        --out bench/results/tier1_mincostflow_hard_L_seed0.json

Issue #21 names min-cost flow for the parts where C2-C4 do not bind.  Tier 1 without C2-C4 is a
transportation problem over the class pairs (each deposit class supplies at most its workers,
each withdrawal class takes at most its positions, a worker placed on withdrawal w earns w's
priority), which ``ortools.graph``'s ``SimpleMinCostFlow`` solves exactly and integrally:

    source -> deposit class d (capacity: its workers), d -> withdrawal class w (the pair's upper
    bound, cost -priority(w)), w -> sink (its positions), and source -> sink at no cost for the
    workers left unplaced.

This measures, on one round's eligible class pairs:

- **engine**: the tier-1 LP as the engine solves it (``solver.columns.solve_lp_columns`` on the
  round's model: C1-C3 and the fill rows, z fixed at 0), and the same LP with C1 alone;
- **min-cost flow**: the network above (building the arcs from numpy, then solving), its optimum
  against the C1-only LP's, and how many of the round's C2/C3 rows its flow breaks: when none, the
  flow is tier 1's optimum for the round itself (a relaxation's optimum that is feasible).

Results go to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ortools.graph.python import min_cost_flow  # noqa: E402

from bench.generated_round import generated_scenario, round_arguments  # noqa: E402
from solver.backends import LinearModel  # noqa: E402
from solver.classes import enumerate_pairs  # noqa: E402
from solver.columns import solve_lp_columns  # noqa: E402
from solver.constraints import Rows, c1_capacity  # noqa: E402
from solver.eligibility import Context  # noqa: E402
from solver.limits import MAX_CLASS_PAIRS  # noqa: E402
from solver.model import RoundModel  # noqa: E402


def flow_tier1(
    dep: Any, wd: Any, dcap: Any, wcap: Any, ub: Any, priority: Any
) -> tuple[dict[str, Any], Any]:
    """Tier 1 without C2-C4 by min-cost flow: the timings and optimum, and the flow per pair."""
    nd, nw = dcap.size, wcap.size
    source, sink = nd + nw, nd + nw + 1
    t0 = time.monotonic()
    graph = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(nd, source), dep, nd + np.arange(nw), [source]])
    heads = np.concatenate([np.arange(nd), nd + wd, np.full(nw, sink), [sink]])
    caps = np.concatenate([dcap, ub.astype(np.int64), wcap, [int(dcap.sum())]])
    costs = np.concatenate(
        [np.zeros(nd, dtype=np.int64), -priority.astype(np.int64), np.zeros(nw + 1, dtype=np.int64)]
    )
    arcs = graph.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    graph.set_node_supply(source, int(dcap.sum()))
    graph.set_node_supply(sink, -int(dcap.sum()))
    build = time.monotonic() - t0
    t0 = time.monotonic()
    status = graph.solve()
    solve = time.monotonic() - t0
    flows = graph.flows(arcs[nd : nd + dep.size])
    return (
        {
            "build_seconds": round(build, 3),
            "solve_seconds": round(solve, 3),
            "status": str(status),
            "objective": -int(graph.optimal_cost()),
        },
        np.asarray(flows, dtype=np.float64),
    )


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """The engine's tier-1 LPs and the min-cost flow on the round ``args`` names."""
    scenario = generated_scenario(args)
    ctx = Context.of(scenario)
    pairs = enumerate_pairs(ctx, scenario, max_class_pairs=MAX_CLASS_PAIRS)
    model = RoundModel(ctx, pairs, seed=args.seed)
    n = model.n
    cost = model.objective(1)
    ub = model.lp.col_hi[:n]
    record: dict[str, Any] = {
        "generator": args.generator,
        "size": args.size,
        "seed": args.seed,
        "class_pairs": n,
        "c2_c3_rows": sum(1 for g in model.groups if g.code != "PAIR_MINIMUM_BENEFIT"),
        "c4_groups": len(model.c4),
    }
    t0 = time.monotonic()
    full = solve_lp_columns(model.lp, cost, time_limit=300.0)
    record["engine_lp"] = {"seconds": round(time.monotonic() - t0, 3), "objective": full.objective}
    rows = Rows()
    c1_capacity(rows, pairs.dep, pairs.wd, model.dcap, model.wcap)
    c1 = LinearModel(
        col_lo=np.zeros(n),
        col_hi=ub.copy(),
        integer=np.ones(n, dtype=bool),
        matrix=rows.matrix(n),
        row_lo=np.array(rows.lo, dtype=np.float64),
        row_hi=np.array(rows.hi, dtype=np.float64),
    )
    t0 = time.monotonic()
    alone = solve_lp_columns(c1, cost[:n], time_limit=300.0)
    record["engine_lp_c1_only"] = {
        "seconds": round(time.monotonic() - t0, 3),
        "objective": alone.objective,
    }
    flow, x = flow_tier1(pairs.dep, pairs.wd, model.dcap, model.wcap, ub, model.attrs.priority)
    every = np.zeros(model.lp.ncols)
    every[:n] = x
    act, lo, hi = model.lp.activity(every)
    flow["rows_broken"] = int(((act > hi + 1e-9) | (act < lo - 1e-9)).sum())
    record["min_cost_flow"] = flow
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    round_arguments(parser)
    args = parser.parse_args()
    gc.disable()
    record = measure(args)
    print(json.dumps(record, indent=2))
    if args.out:
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
