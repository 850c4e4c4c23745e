"""Benchmark ladder of the solver (not a test): S, M, L, XL rounds, ours vs per-pair baselines.

    .venv/bin/python bench/solver_ladder.py [--sizes S,M,L,XL] [--baseline-limit 60]

For each size: our aggregated HiGHS model (time per tier, values, LP bound of tier 1, peak RSS
of a fresh process), then on the same scenario (a) a plain per-pair CP-SAT model of tier 1,
(b) HiGHS on the same per-pair tier-1 model, (c) greedy by priority.  Results go to
bench/results/solver_ladder.json and a markdown table to docs/benchmarks-solver.md.

Scenarios come from ``fixtures.generator.generate_scenario`` when it exists, else from the local
generator below (40 countries, 10 cadres, 6 languages, ~30% safeguard-listed origins, agreements
with quotas).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {"S": 200, "M": 2_000, "L": 20_000, "XL": 100_000}
CADRES = ["2211", "2212", "2221", "2222", "2240", "2261", "2262", "3221", "3256", "5321"]
LANGS = ["en", "fr", "de", "es", "ar", "ja"]
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"]


def local_generator(n_postings: int, seed: int = 0) -> dict[str, Any]:
    """A MATCHING.md scenario: half deposits, half withdrawals."""
    rng = np.random.default_rng(seed)
    codes = [chr(65 + i // 26) + chr(65 + i % 26) + "X" for i in range(40)]
    countries = []
    for c in codes:
        lic = {}
        if rng.random() < 0.3:
            lic[str(rng.choice(LANGS))] = str(rng.choice(["B1", "B2"]))
        countries.append(
            {
                "code": c,
                "name": c,
                "safeguard_listed": bool(rng.random() < 0.3),
                "licensing_languages": lic,
            }
        )
    workforce = [
        {
            "country": c,
            "cadre": k,
            "stock": int(rng.integers(2_000, 200_000)),
            "education_cost_usd": int(rng.integers(5_000, 60_000)),
            "positive_list": bool(rng.random() < 0.5),
        }
        for c in codes
        for k in CADRES
        if rng.random() < 0.7
    ]
    agreements = []
    for i in range(120):
        o, t = rng.choice(40, size=2, replace=False)
        cad = [str(x) for x in rng.choice(CADRES, size=int(rng.integers(1, 4)), replace=False)]
        agreements.append(
            {
                "id": f"a{i:03d}",
                "origin": codes[o],
                "destination": codes[t],
                "g2g": bool(rng.random() < 0.7),
                "cadres": cad,
                "valid_from": "2022-01",
                "valid_to": str(rng.choice(["2026-06", "2028-12", "2029-12"])),
                "quotas": {k: int(rng.integers(5, 60 + n_postings // 100)) for k in cad[:1]},
                "benefit_usd_per_worker": int(rng.choice([0, 1000, 2000, 3000])),
                "recognition": bool(rng.random() < 0.6),
            }
        )
    months = [f"2027-{m:02d}" for m in range(1, 13)]

    def langs() -> dict[str, str]:
        out = {"en": str(rng.choice(LEVELS[2:]))}
        if rng.random() < 0.5:
            out[str(rng.choice(LANGS[1:]))] = str(rng.choice(LEVELS))
        return out

    half = n_postings // 2
    deposits = []
    for i in range(half):
        a = int(rng.integers(0, 9))
        deposits.append(
            {
                "id": f"d{i:06d}",
                "country": codes[int(rng.integers(0, 40))],
                "cadre": str(rng.choice(CADRES)),
                "count": int(rng.integers(1, 30)),
                "languages": langs(),
                "available_from": months[a],
                "available_to": months[min(11, a + int(rng.integers(2, 8)))],
                "modalities": ["relocation", "remote"] if rng.random() < 0.3 else ["relocation"],
                "max_duration_months": int(rng.choice([24, 36, 48])),
                "min_benefit_usd_per_worker": int(rng.choice([0, 1000, 2000])),
                "preferred_destinations": [codes[int(rng.integers(0, 40))]]
                if rng.random() < 0.2
                else [],
            }
        )
    withdrawals = []
    for i in range(n_postings - half):
        a = int(rng.integers(0, 9))
        req = {"en": str(rng.choice(["B1", "B2", "C1"]))} if rng.random() < 0.6 else {}
        withdrawals.append(
            {
                "id": f"w{i:06d}",
                "country": codes[int(rng.integers(0, 40))],
                "cadre": str(rng.choice(CADRES)),
                "count": int(rng.integers(1, 30)),
                "required_languages": req,
                "language_training_months": int(rng.choice([0, 6, 12])),
                "benefit_usd_per_worker": int(rng.choice([1000, 2000, 4000, 6000])),
                "priority": int(rng.integers(1, 6)),
                "start_from": months[a],
                "start_to": months[min(11, a + int(rng.integers(1, 4)))],
                "modality": "remote" if rng.random() < 0.15 else "relocation",
                "duration_months": int(rng.choice([12, 24, 36])),
                "requires_recognition": bool(rng.random() < 0.2),
            }
        )
    return {
        "as_of": "2026-11",
        "policy": {
            "safeguard_mode": "strict",
            "benefit_floor_ratio": 0.05,
            "max_depletion_share": 0.02,
            "language_months_per_level": 6,
            "pair_minimum_benefit_usd": 0,
            "time_limit_s": 300,
            "seed": 0,
        },
        "countries": countries,
        "workforce": workforce,
        "agreements": agreements,
        "deposits": deposits,
        "withdrawals": withdrawals,
    }


def make_scenario(n: int, seed: int, generator: str = "fixtures") -> tuple[dict[str, Any], str]:
    if generator == "local":
        return local_generator(n, seed), "bench.solver_ladder.local_generator"
    try:
        from fixtures.generator import generate_scenario  # type: ignore[import-not-found]
    except ImportError:
        return local_generator(n, seed), "bench.solver_ladder.local_generator"
    return generate_scenario(n, seed=seed), "fixtures.generator.generate_scenario"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(raw: dict[str, Any], time_limit: float, queue: Any) -> None:
    """Our solver in a fresh process (so that the peak RSS is its own)."""
    from solver.round import run_round

    events: list[dict[str, Any]] = []
    t0 = time.monotonic()
    result = run_round(
        raw,
        time_limit_s=time_limit,
        lp_bound=True,
        on_progress=lambda e: events.append({**e.model_dump(), "t": time.monotonic() - t0}),
    )
    queue.put(
        {
            "status": result.status,
            "objective": result.objective.model_dump() if result.objective else None,
            "bound": result.bound.model_dump() if result.bound else None,
            "stats": result.stats.model_dump() if result.stats else None,
            "first_solution_s": next((e["t"] for e in events if e["bound"] is not None), None),
            "wall_s": time.monotonic() - t0,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def posting_pairs(raw: dict[str, Any]) -> dict[str, Any]:
    """Every eligible (deposit, withdrawal) posting pair, vectorised from the class pairs.

    Each eligible class pair stands for members x members eligible posting pairs (postings of a
    class share every attribute but id and count), so the per-pair model is built without the
    scalar rules.  Returns posting-level arrays: deposit index, withdrawal index, priority, the
    capacity of each posting and the C2/C3 groups as (pair indices, cap).
    """
    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.model import RoundModel
    from solver.schema import Scenario

    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    cp = enumerate_pairs(ctx, s)
    model = RoundModel(ctx, cp)
    dpos = {d.id: i for i, d in enumerate(s.deposits)}
    wpos = {w.id: i for i, w in enumerate(s.withdrawals)}
    d_members = [np.array([dpos[i] for i in c.ids], dtype=np.int64) for c in cp.deposits]
    w_members = [np.array([wpos[i] for i in c.ids], dtype=np.int64) for c in cp.withdrawals]
    d_ptr = np.concatenate([[0], np.cumsum([m.size for m in d_members])]).astype(np.int64)
    w_ptr = np.concatenate([[0], np.cumsum([m.size for m in w_members])]).astype(np.int64)
    d_flat = np.concatenate(d_members) if d_members else np.zeros(0, dtype=np.int64)
    w_flat = np.concatenate(w_members) if w_members else np.zeros(0, dtype=np.int64)
    mi = np.diff(d_ptr)[cp.dep]
    mj = np.diff(w_ptr)[cp.wd]
    sizes = mi * mj
    owner = np.repeat(np.arange(len(cp), dtype=np.int64), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    offset = np.arange(int(sizes.sum()), dtype=np.int64) - first[owner]
    dep = d_flat[d_ptr[cp.dep[owner]] + offset // mj[owner]]
    wd = w_flat[w_ptr[cp.wd[owner]] + offset % mj[owner]]
    groups = []
    for g in model.groups:
        if g.code == "PAIR_MINIMUM_BENEFIT":
            continue
        mask = np.zeros(len(cp), dtype=bool)
        mask[g.pairs] = True
        groups.append((np.flatnonzero(mask[owner]), g.cap))
    dcount = np.array([d.count for d in s.deposits], dtype=np.int64)
    wcount = np.array([w.count for w in s.withdrawals], dtype=np.int64)
    return {
        "dep": dep,
        "wd": wd,
        "priority": model.attrs.priority[owner],
        "dcount": dcount,
        "wcount": wcount,
        "groups": groups,
        "model": model,
        "class_pairs": cp,
    }


def per_pair_baselines(raw: dict[str, Any], limit: float, max_pairs: int) -> dict[str, Any]:
    """(a) per-pair CP-SAT and (b) per-pair HiGHS on tier 1, (c) greedy, on the same round."""
    import highspy
    from ortools.sat.python import cp_model

    from solver.greedy import greedy_flows

    out: dict[str, Any] = {}
    t0 = time.monotonic()
    pp = posting_pairs(raw)
    out["enumeration_s"] = time.monotonic() - t0
    model, cp = pp["model"], pp["class_pairs"]
    t0 = time.monotonic()
    g = greedy_flows(
        cp.dep,
        cp.wd,
        model.attrs.priority,
        model.dcap,
        model.wcap,
        [(gr.pairs, gr.cap) for gr in model.groups if gr.code != "PAIR_MINIMUM_BENEFIT"],
        [gr.pairs for gr in model.c4],
        cp.benefit,
        0,
    )
    out["greedy"] = {"seconds": time.monotonic() - t0, "priority_fill": model.tier_value(1, g)}
    dep, wd, prio = pp["dep"], pp["wd"], pp["priority"]
    n = int(dep.size)
    out["eligible_posting_pairs"] = n
    if n > max_pairs:
        out["per_pair"] = f"skipped: more than {max_pairs} eligible posting pairs"
        return out
    dcount, wcount = pp["dcount"], pp["wcount"]
    ub = np.minimum(dcount[dep], wcount[wd])
    rows: list[tuple[np.ndarray, int]] = []
    for index, caps in ((dep, dcount), (wd, wcount)):
        order = np.argsort(index, kind="stable")
        cuts = np.flatnonzero(np.diff(index[order])) + 1
        for chunk in np.split(order, cuts):
            if chunk.size:
                rows.append((chunk, int(caps[index[chunk[0]]])))
    rows += list(pp["groups"])
    # (a) CP-SAT, 2 workers
    t0 = time.monotonic()
    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(u), "") for u in ub.tolist()]
    for ks, cap in rows:
        m.add(cp_model.LinearExpr.sum([x[k] for k in ks.tolist()]) <= cap)
    m.maximize(cp_model.LinearExpr.weighted_sum(x, prio.tolist()))
    build_s = time.monotonic() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 2
    t0 = time.monotonic()
    st = solver.solve(m)
    out["cpsat_tier1"] = {
        "build_s": build_s,
        "seconds": time.monotonic() - t0,
        "status": solver.status_name(st),
        "value": int(solver.objective_value)
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else None,
        "bound": int(solver.best_objective_bound),
    }
    del m, x, solver
    # (b) HiGHS on the same per-pair model, built in bulk
    t0 = time.monotonic()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    h.addVars(n, np.zeros(n), ub.astype(float))
    if n:
        idx = np.arange(n, dtype=np.int32)
        h.changeColsIntegrality(n, idx, np.full(n, highspy.HighsVarType.kInteger))
        h.changeColsCost(n, idx, prio.astype(float))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if rows:
        lengths = np.array([ks.size for ks, _ in rows], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32)
        index = np.concatenate([ks for ks, _ in rows]).astype(np.int32)
        h.addRows(
            len(rows),
            np.full(len(rows), -highspy.kHighsInf),
            np.array([cap for _, cap in rows], dtype=float),
            int(index.size),
            starts,
            index,
            np.ones(index.size),
        )
    build_s = time.monotonic() - t0
    t0 = time.monotonic()
    h.run()
    info = h.getInfo()
    out["highs_per_pair_tier1"] = {
        "build_s": build_s,
        "seconds": time.monotonic() - t0,
        "status": h.modelStatusToString(h.getModelStatus()),
        "value": round(info.objective_function_value)
        if np.isfinite(info.objective_function_value) and info.primal_solution_status
        else None,
        "bound": float(info.mip_dual_bound),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=300)
    parser.add_argument("--baseline-limit", type=float, default=60)
    parser.add_argument("--max-baseline-pairs", type=int, default=1_500_000)
    parser.add_argument(
        "--generator",
        choices=("fixtures", "local"),
        default="fixtures",
        help="local: the all-distinct generator below (no two postings merge)",
    )
    parser.add_argument("--markdown", action="store_true", help="rewrite the docs table")
    parser.add_argument("--out", default="bench/results/solver_ladder.json")
    parser.add_argument("--merge", help="earlier results JSON to merge the new rows into")
    parser.add_argument("--no-baselines-above", type=int, default=20_000, help="postings")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    ctx = mp.get_context("spawn")
    for name in args.sizes.split(","):
        n = SIZES[name]
        raw, source = make_scenario(n, args.seed, args.generator)
        q = ctx.Queue()
        p = ctx.Process(target=run_ours, args=(raw, args.time_limit, q))
        p.start()
        ours = q.get()
        p.join()
        row = {"size": name, "postings": n, "generator": source, "ours": ours}
        print(
            name,
            json.dumps(ours["objective"]),
            ours["status"],
            f"{ours['wall_s']:.2f}s",
            flush=True,
        )
        if n > args.no_baselines_above:
            row["baselines"] = {"skipped": f"baselines not run above {args.no_baselines_above}"}
        else:
            row["baselines"] = per_pair_baselines(raw, args.baseline_limit, args.max_baseline_pairs)
        print(name, json.dumps(row["baselines"], default=str), flush=True)
        results.append(row)
    if args.merge:
        old = json.loads(Path(args.merge).read_text())
        keys = {(r["size"], r["generator"]) for r in results}
        results = [r for r in old if (r["size"], r.get("generator")) not in keys] + results
        results.sort(key=lambda r: (r.get("generator", ""), r["postings"]))
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    if args.markdown:
        write_markdown(results, args)


def write_markdown(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    lines = [
        "# Solver benchmark ladder",
        "",
        "Reproduce: `.venv/bin/python bench/solver_ladder.py "
        f"--sizes {args.sizes} --baseline-limit {args.baseline_limit:g}` "
        "(raw numbers in `bench/results/solver_ladder.json`). Machine: 2 shared cores.",
        "",
        "| size | postings | classes (d/w) | class pairs | eligible posting pairs | "
        "eligibility s | tier 1 s | tier 2 s | tier 3 s | tier 4 s | total s | status | "
        "priority_fill | LP bound t1 | min_fill | benefit_usd | peak RSS MB |",
        "|" + "---|" * 17,
    ]
    for r in results:
        o, s = r["ours"], r["ours"]["stats"] or {}
        ts = s.get("tier_seconds") or {}
        ob = o["objective"] or {}
        lines.append(
            f"| {r['size']} | {r['postings']} | {s.get('deposit_classes')}/"
            f"{s.get('withdrawal_classes')} | {s.get('class_pairs')} | {s.get('pairs_eligible')} | "
            f"{ts.get('eligibility', 0) + ts.get('build', 0):.2f} | "
            f"{ts.get('priority_fill', float('nan')):.2f} | "
            f"{ts.get('min_fill_permille', float('nan')):.2f} | "
            f"{ts.get('benefit_usd', float('nan')):.2f} | "
            f"{ts.get('tie_break', float('nan')):.2f} | "
            f"{o['wall_s']:.2f} | {o['status']} | {ob.get('priority_fill')} | "
            f"{s.get('lp_bound_priority_fill')} | {ob.get('min_fill_permille')} | "
            f"{ob.get('benefit_usd')} | {o['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "Baselines on the same scenario, tier 1 only (per-pair models: one variable per eligible "
        "(deposit, withdrawal) posting pair; time limit "
        f"{args.baseline_limit:g} s):",
        "",
        "| size | greedy priority_fill (s) | CP-SAT per pair: status, value, bound, s | "
        "HiGHS per pair: status, value, s |",
        "|---|---|---|---|",
    ]
    for r in results:
        b = r["baselines"]
        if "greedy" not in b:
            lines.append(f"| {r['size']} | {b.get('skipped', '')} | | |")
            continue
        g = b["greedy"]
        cp = b.get("cpsat_tier1")
        hp = b.get("highs_per_pair_tier1")
        cps = (
            f"{cp['status']}, {cp['value']}, {cp['bound']}, {cp['seconds']:.1f}"
            if cp
            else b.get("per_pair", "")
        )
        hps = f"{hp['status']}, {hp['value']}, {hp['seconds']:.1f}" if hp else b.get("per_pair", "")
        lines.append(f"| {r['size']} | {g['priority_fill']} ({g['seconds']:.1f}) | {cps} | {hps} |")
    (ROOT / "docs/benchmarks-solver.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
