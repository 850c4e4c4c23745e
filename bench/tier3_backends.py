"""Tier 3's LP on a hard round, by every OR-Tools LP backend that could serve it (not a test).

    .venv/bin/python bench/tier3_backends.py --size 20000 --seed 1 \
        --out bench/results/tier3_backends_hard_L_seed1.json

Tier 3 (benefit on tier 1's face, every fill at tier 2's level) is the largest part of a hard
round once tier 2's level is known (docs/benchmarks-solver.md, eighth session).  This runs
``solver.round.run_round`` once, keeps the tier-3 LP that ended OPTIMAL (its bounds, its cost,
and the column set of every master column generation solved for it), and then solves it again:

- **whole**: every free column at once (fixed columns folded into the row bounds), HiGHS' dual
  simplex through MathOpt, no column generation;
- **highs_per_master**: each master's column set from scratch by HiGHS (what column generation
  would pay if HiGHS, which neither takes a basis nor solves incrementally in MathOpt, solved
  every round);
- **pywraplp_incremental**: the masters in sequence through ``pywraplp``, columns appended to a
  live model and solved again from the last basis, with CLP (bundled in the OR-Tools wheel) and
  with GLOP for comparison.

The engine's own column generation (GLOP through MathOpt, from HiGHS' basis) is the reference:
its seconds are in ``column_generation_seconds``.  Results go to ``--out`` as JSON.
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
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ortools.linear_solver import linear_solver_pb2, pywraplp  # noqa: E402
from ortools.math_opt import parameters_pb2, result_pb2  # noqa: E402

import solver.master as master_module  # noqa: E402
import solver.tiers as tiers_module  # noqa: E402
from bench.generated_round import generated_scenario, round_arguments  # noqa: E402
from solver.backends import LinearModel, model_proto, solve_with_highs  # noqa: E402
from solver.round import run_round  # noqa: E402
from solver.schema import ProgressEvent, Scenario  # noqa: E402

INCREMENTAL_BUDGET = 120.0
"""Seconds one pywraplp backend may spend on the masters before the rest are skipped."""


def capture(scenario: Scenario) -> dict[str, Any]:
    """Run the round; the last tier-3 LP that ended OPTIMAL, with its masters' column sets."""
    tier = [0]
    calls: list[dict[str, Any]] = []
    columns, solve = tiers_module.solve_lp_columns, master_module.GlopMaster.solve  # type: ignore[attr-defined]

    def on_progress(event: ProgressEvent) -> None:
        tier[0] = event.tier

    def recorded_columns(lp: LinearModel, cost: Any, **kwargs: Any) -> Any:
        snapshot = LinearModel(
            lp.col_lo.copy(),
            lp.col_hi.copy(),
            lp.integer,
            lp.matrix,
            lp.row_lo.copy(),
            lp.row_hi.copy(),
            [list(row) for row in lp.extra],
        )
        call: dict[str, Any] = {"tier": tier[0], "lp": snapshot, "cost": cost.copy()}
        call["masters"] = []
        calls.append(call)
        t0 = time.monotonic()
        out = columns(lp, cost, **kwargs)
        call.update(
            seconds=time.monotonic() - t0, outcome=out.outcome.name, objective=out.objective
        )
        return out

    def recorded_solve(self: Any, time_limit: float) -> Any:
        out = solve(self, time_limit)
        if calls and calls[-1]["tier"] == 3 and "seconds" not in calls[-1]:
            calls[-1]["masters"].append(
                {
                    "columns": np.array(self.columns, dtype=np.int64),
                    "artificial": list(self.artificial),
                    "penalty": float(self._penalty()),
                    "objective": out.objective,
                }
            )
        return out

    tiers_module.solve_lp_columns = recorded_columns  # type: ignore[attr-defined]
    master_module.GlopMaster.solve = recorded_solve  # type: ignore[method-assign]
    gc.disable()
    try:
        result = run_round(scenario, time_limit_s=600, on_progress=on_progress)
    finally:
        gc.enable()
        tiers_module.solve_lp_columns = columns  # type: ignore[attr-defined]
        master_module.GlopMaster.solve = solve  # type: ignore[method-assign]
    tier3 = [c for c in calls if c["tier"] == 3 and c["outcome"] == "OPTIMAL"]
    assert tier3, "no tier-3 LP ended OPTIMAL"
    assert result.stats is not None
    return {"round": result, "tier3": tier3[-1]}


def highs(proto: Any, limit: float) -> tuple[float, float | None, str]:
    """HiGHS (one thread) on ``proto``: seconds, objective, termination."""
    params = parameters_pb2.SolveParametersProto()
    params.highs.int_options["threads"] = 1
    params.time_limit.FromNanoseconds(int(limit * 1e9))
    t0 = time.monotonic()
    res = solve_with_highs(proto, params)
    objective = res.termination.objective_bounds.primal_bound
    reason = result_pb2.TerminationReasonProto.Name(res.termination.reason)
    return time.monotonic() - t0, float(objective) if np.isfinite(objective) else None, reason


def master_arrays(lp: LinearModel, cost: Any, master: dict[str, Any]) -> tuple[Any, ...]:
    """One master (its columns and artificial columns) as arrays."""
    cols, art = master["columns"], master["artificial"]
    matrix, lo, hi = lp.full_matrix()
    csc = matrix.tocsc()
    k = len(art)
    artificial = sp.csc_matrix(
        ([g for _, g in art], ([r for r, _ in art], range(k))), shape=(csc.shape[0], k)
    )
    block = sp.hstack([csc[:, cols], artificial], format="csc")
    col_lo = np.r_[lp.col_lo[cols], np.zeros(k)]
    col_hi = np.r_[lp.col_hi[cols], np.full(k, np.inf)]
    c = np.r_[cost[cols], np.full(k, master["penalty"])]
    return block, lo, hi, col_lo, col_hi, c


def whole(lp: LinearModel, cost: Any) -> dict[str, Any]:
    """Every free column at once, fixed columns folded into the row bounds."""
    matrix, lo, hi = lp.full_matrix()
    csc = matrix.tocsc()
    free = np.flatnonzero(lp.col_hi > lp.col_lo)
    fixed = np.flatnonzero(lp.col_hi <= lp.col_lo)
    const = csc[:, fixed] @ lp.col_lo[fixed]
    sub = csc[:, free].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    t0 = time.monotonic()
    proto = model_proto(
        sub[rows],
        (lo - const)[rows],
        (hi - const)[rows],
        lp.col_lo[free],
        lp.col_hi[free],
        cost[free],
    )
    build = time.monotonic() - t0
    seconds, objective, reason = highs(proto, 120.0)
    offset = float(cost[fixed] @ lp.col_lo[fixed])
    return {
        "free_columns": int(free.size),
        "rows": int(rows.size),
        "nonzeros": int(sub.nnz),
        "build_seconds": round(build, 3),
        "highs_seconds": round(seconds, 3),
        "objective": None if objective is None else objective + offset,
        "termination": reason,
    }


def per_master(lp: LinearModel, cost: Any, masters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each master from scratch by HiGHS."""
    out = []
    for master in masters:
        block, lo, hi, col_lo, col_hi, c = master_arrays(lp, cost, master)
        seconds, objective, _ = highs(model_proto(block, lo, hi, col_lo, col_hi, c), 120.0)
        out.append(
            {
                "columns": int(master["columns"].size),
                "highs_seconds": round(seconds, 3),
                "objective": objective,
                "engine_objective": master["objective"],
            }
        )
    return out


def incremental(
    lp: LinearModel, cost: Any, masters: list[dict[str, Any]], name: str
) -> list[dict[str, Any]]:
    """The masters in sequence in one live ``pywraplp`` model (``name``: CLP or GLOP)."""
    block, lo, hi, col_lo, col_hi, c = master_arrays(lp, cost, masters[0])
    proto = linear_solver_pb2.MPModelProto(maximize=True)
    for j in range(block.shape[1]):
        proto.variable.add(lower_bound=col_lo[j], upper_bound=col_hi[j], objective_coefficient=c[j])
    csr = block.tocsr()
    for r in range(csr.shape[0]):
        s, e = csr.indptr[r], csr.indptr[r + 1]
        proto.constraint.add(
            var_index=csr.indices[s:e].tolist(),
            coefficient=csr.data[s:e].tolist(),
            lower_bound=lo[r],
            upper_bound=hi[r],
        )
    solver = pywraplp.Solver.CreateSolver(name)
    solver.SuppressOutput()
    solver.LoadModelFromProto(proto)
    params = pywraplp.MPSolverParameters()
    params.SetIntegerParam(params.PRESOLVE, params.PRESOLVE_OFF)
    params.SetIntegerParam(params.LP_ALGORITHM, params.PRIMAL)
    rows, objective = solver.constraints(), solver.Objective()
    held = set(masters[0]["columns"].tolist())
    csc = lp.full_matrix()[0].tocsc()
    out: list[dict[str, Any]] = []
    spent = 0.0
    for k, master in enumerate(masters):
        new = np.array([j for j in master["columns"].tolist() if j not in held], dtype=np.int64)
        held.update(new.tolist())
        t0 = time.monotonic()
        sub = csc[:, new]
        for i, j in enumerate(new.tolist()):
            var = solver.NumVar(float(lp.col_lo[j]), float(lp.col_hi[j]), "")
            objective.SetCoefficient(var, float(cost[j]))
            for r, a in zip(
                sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tolist(),
                sub.data[sub.indptr[i] : sub.indptr[i + 1]].tolist(),
                strict=True,
            ):
                rows[r].SetCoefficient(var, a)
        added = time.monotonic() - t0
        t0 = time.monotonic()
        status = solver.Solve(params)
        seconds = time.monotonic() - t0
        spent += added + seconds
        out.append(
            {
                "master": k,
                "added_columns": int(new.size),
                "add_seconds": round(added, 3),
                "solve_seconds": round(seconds, 3),
                "iterations": int(solver.iterations()),
                "optimal": status == pywraplp.Solver.OPTIMAL,
                "objective": objective.Value(),
                "engine_objective": master["objective"],
            }
        )
        if spent > INCREMENTAL_BUDGET:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    round_arguments(parser, seed=1)
    args = parser.parse_args()
    captured = capture(generated_scenario(args))
    result, tier3 = captured["round"], captured["tier3"]
    lp, cost, masters = tier3["lp"], tier3["cost"], tier3["masters"]
    record: dict[str, Any] = {
        "generator": args.generator,
        "size": args.size,
        "seed": args.seed,
        "status": result.status,
        "stage_seconds": result.stats.tier_seconds,
        "column_generation_seconds": round(tier3["seconds"], 3),
        "column_generation_objective": tier3["objective"],
        "masters": [int(m["columns"].size) for m in masters],
    }
    record["whole"] = whole(lp, cost)
    print("whole LP by HiGHS:", record["whole"], flush=True)
    record["highs_per_master"] = per_master(lp, cost, masters)
    print("HiGHS per master:", record["highs_per_master"], flush=True)
    for name in ("GLOP", "CLP"):
        record[f"pywraplp_incremental_{name.lower()}"] = incremental(lp, cost, masters, name)
        print(f"pywraplp {name}:", record[f"pywraplp_incremental_{name.lower()}"], flush=True)
    print(f"column generation (the engine): {record['column_generation_seconds']} s")
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
