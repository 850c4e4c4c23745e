"""Benchmark ladder of the solver (not a test): S, M, L, XL rounds, side by side in one run.

    .venv/bin/python bench/solver_ladder.py --generator hard --sizes M,L,XL --legacy-above 0 \
        --no-baselines-above 2000 --out bench/results/solver_ladder_hard.json

For each size, each method in a fresh child process (so that its peak RSS is its own, and so that
OR-Tools and highspy, which both bundle HiGHS, never share a process):

- **ours**: ``solver.round.run_round`` (OR-Tools: GLOP for the tier LPs, HiGHS inside OR-Tools for
  MIPs), time per tier, values, peak RSS;
- **legacy**: the previous core, highspy driven directly (``bench/legacy_highspy_model.py``), on
  the same eligible class pairs and greedy start;
- per-pair baselines of tier 1 (one variable per eligible posting pair): **CP-SAT** (2 workers)
  and **HiGHS** (highspy), and greedy by priority, up to ``--no-baselines-above`` postings.

Generators: ``fixtures`` (``fixtures.generator.generate_scenario``: postings merge well),
``hard`` (``fixtures.hard.generate_hard_scenario``: postings seldom merge, issue #21) and
``local`` (the all-distinct generator below).  Results go to ``--out``; ``--markdown`` rewrites
docs/benchmarks-solver.md's generated table (the hand-written analysis lives there too).
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
    if generator == "hard":
        from fixtures.hard import generate_hard_scenario

        return generate_hard_scenario(n, seed=seed), "fixtures.hard.generate_hard_scenario"
    if generator == "local":
        return local_generator(n, seed), "bench.solver_ladder.local_generator"
    try:
        from fixtures.generator import generate_scenario  # type: ignore[import-not-found]
    except ImportError:
        return local_generator(n, seed), "bench.solver_ladder.local_generator"
    return generate_scenario(n, seed=seed), "fixtures.generator.generate_scenario"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pause_collector_if_asked() -> None:
    """``HRHX_LADDER_GC_PAUSED=1``: solve as the exchange's solver child does (collector off)."""
    import gc
    import os

    if os.environ.get("HRHX_LADDER_GC_PAUSED") == "1":
        gc.disable()


def run_ours(
    raw: dict[str, Any], time_limit: float, max_class_pairs: int | None, queue: Any
) -> None:
    """Our solver in a fresh process (so that the peak RSS is its own); ``max_class_pairs``
    lifts (or lowers) the round-size cap of `solver.limits`, None keeps its default."""
    pause_collector_if_asked()
    from solver.limits import RoundTooLarge
    from solver.round import run_round, warm_up

    warm_up()  # as the exchange's solver child does before its first round
    events: list[dict[str, Any]] = []
    t0 = time.monotonic()
    try:
        result = run_round(
            raw,
            time_limit_s=time_limit,
            lp_bound=False,
            max_class_pairs=max_class_pairs,
            on_progress=lambda e: events.append({**e.model_dump(), "t": time.monotonic() - t0}),
        )
    except RoundTooLarge as exc:
        queue.put(
            {
                "status": "TOO_LARGE",
                "error": str(exc),
                "objective": None,
                "bound": None,
                "stats": None,
                "wall_s": time.monotonic() - t0,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        return
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


def run_previous(raw: dict[str, Any], time_limit: float, tree: str, queue: Any) -> None:
    """The whole previous ``run_round`` (highspy core, commit 429e4af) from an extracted tree.

    ``tree`` holds that commit's ``solver/`` package (``git archive 429e4af solver | tar -x -C
    TREE``); it goes first on ``sys.path`` of this fresh process, so that validation,
    eligibility, solving, disaggregation and explanations are all the previous code's.
    """
    pause_collector_if_asked()
    sys.path.insert(0, tree)
    import solver
    from solver.round import run_round as previous_run_round

    assert str(Path(solver.__file__).resolve()).startswith(str(Path(tree).resolve()))
    t0 = time.monotonic()
    result = previous_run_round(raw, time_limit_s=time_limit)
    queue.put(
        {
            "status": result.status,
            "objective": result.objective.model_dump() if result.objective else None,
            "stats": result.stats.model_dump() if result.stats else None,
            "wall_s": time.monotonic() - t0,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def run_legacy(raw: dict[str, Any], time_limit: float, queue: Any) -> None:
    """The previous core (highspy) on the same class pairs and greedy start, in a fresh process."""
    sys.path.insert(0, str(ROOT / "bench"))
    from legacy_highspy_model import RoundModel as LegacyModel  # type: ignore[import-not-found]

    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.greedy import greedy_flows
    from solver.limits import RoundTooLarge
    from solver.validation import validate_scenario

    t0 = time.monotonic()
    s = validate_scenario(raw)
    assert not isinstance(s, list)
    ctx = Context.of(s)
    try:
        pairs = enumerate_pairs(ctx, s)
    except RoundTooLarge as exc:
        queue.put({"status": "TOO_LARGE", "error": str(exc), "wall_s": time.monotonic() - t0})
        return
    t_pairs = time.monotonic() - t0
    model = LegacyModel(ctx, pairs, seed=0)
    start = greedy_flows(
        pairs.dep,
        pairs.wd,
        model.attrs.priority,
        model.dcap,
        model.wcap,
        [(g.pairs, g.cap) for g in model.groups if g.code != "PAIR_MINIMUM_BENEFIT"],
        [g.pairs for g in model.c4],
        pairs.benefit,
        s.policy.pair_minimum_benefit_usd,
    )
    sol = model.solve(deadline=t0 + time_limit, started=t0, start=start)
    queue.put(
        {
            "status": "OPTIMAL" if sol.optimal else "FEASIBLE",
            "objective": {
                name: model.tier_value(k, sol.x)
                for k, name in ((1, "priority_fill"), (2, "min_fill_permille"), (3, "benefit_usd"))
            },
            "bound": [t.bound for t in sol.tiers[:3]],
            "tier_seconds": {
                "eligibility": t_pairs,
                **{
                    name: t.seconds
                    for name, t in zip(
                        ("priority_fill", "min_fill_permille", "benefit_usd", "tie_break"),
                        sol.tiers,
                        strict=False,
                    )
                },
            },
            "methods": [t.method for t in sol.tiers],
            "wall_s": time.monotonic() - t0,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    """Run ``target(*args, queue)`` in a fresh spawned process and return what it puts."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    try:
        out: dict[str, Any] = q.get()
    finally:
        p.join()
    return out


def posting_pairs(raw: dict[str, Any]) -> dict[str, Any]:
    """Every eligible (deposit, withdrawal) posting pair, vectorised from the class pairs.

    Each eligible class pair stands for members x members eligible posting pairs (postings of a
    class share every attribute but id and count), so the per-pair model is built without the
    scalar rules.  Returns posting-level arrays: deposit index, withdrawal index, priority, the
    capacity of each posting and the C2/C3 groups as (pair indices, cap).
    """
    from types import SimpleNamespace

    from solver.classes import enumerate_pairs
    from solver.constraints import pair_attributes, side_groups
    from solver.eligibility import Context
    from solver.schema import Scenario

    s = Scenario.model_validate(raw)
    ctx = Context.of(s)
    cp = enumerate_pairs(ctx, s)
    attrs = pair_attributes(ctx, cp)
    groups_all = side_groups(ctx, cp, attrs)
    model = SimpleNamespace(
        attrs=attrs,
        groups=groups_all,
        c4=[g for g in groups_all if g.code == "PAIR_MINIMUM_BENEFIT"],
        dcap=np.array([c.total for c in cp.deposits], dtype=np.int64),
        wcap=np.array([c.total for c in cp.withdrawals], dtype=np.int64),
    )
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


def per_pair_rows(raw: dict[str, Any], max_pairs: int) -> dict[str, Any]:
    """Greedy on class pairs, then the per-pair tier-1 model's columns and rows (or a skip)."""
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
    out["greedy"] = {
        "seconds": time.monotonic() - t0,
        "priority_fill": int((model.attrs.priority * g).sum()),
    }
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
    out["model"] = (n, ub, prio, rows)
    return out


def run_cpsat_per_pair(raw: dict[str, Any], limit: float, max_pairs: int, queue: Any) -> None:
    """Per-pair CP-SAT (2 workers) on tier 1, in a fresh process."""
    from ortools.sat.python import cp_model

    out = per_pair_rows(raw, max_pairs)
    if "model" not in out:
        queue.put(out)
        return
    n, ub, prio, rows = out.pop("model")
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
    queue.put(out)


def run_highs_per_pair(raw: dict[str, Any], limit: float, max_pairs: int, queue: Any) -> None:
    """Per-pair HiGHS (highspy) on tier 1, built in bulk, in a fresh process."""
    import highspy

    out = per_pair_rows(raw, max_pairs)
    if "model" not in out:
        queue.put(out)
        return
    n, ub, prio, rows = out.pop("model")
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
    queue.put(out)


def per_pair_baselines(raw: dict[str, Any], limit: float, max_pairs: int) -> dict[str, Any]:
    """(a) per-pair CP-SAT and (b) per-pair HiGHS on tier 1, (c) greedy, each in a child."""
    out = in_child(run_cpsat_per_pair, raw, limit, max_pairs)
    highs = in_child(run_highs_per_pair, raw, limit, max_pairs)
    if "highs_per_pair_tier1" in highs:
        out["highs_per_pair_tier1"] = highs["highs_per_pair_tier1"]
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
        choices=("fixtures", "local", "hard"),
        default="fixtures",
        help="local: the all-distinct generator below (no two postings merge)",
    )
    parser.add_argument("--markdown", action="store_true", help="rewrite the docs table")
    parser.add_argument("--out", default="bench/results/solver_ladder.json")
    parser.add_argument("--merge", help="earlier results JSON to merge the new rows into")
    parser.add_argument("--no-baselines-above", type=int, default=20_000, help="postings")
    parser.add_argument(
        "--legacy-above", type=int, default=10**9, help="run the highspy core above N postings"
    )
    parser.add_argument(
        "--gc-paused",
        action="store_true",
        help="ours and previous solve with the cyclic collector off, as the exchange's child does",
    )
    parser.add_argument(
        "--pair-minimum-benefit",
        type=int,
        default=None,
        help="USD: set the generated rounds' policy.pair_minimum_benefit_usd (C4; 0 in every "
        "generator)",
    )
    parser.add_argument(
        "--max-class-pairs",
        type=int,
        default=None,
        help="our solver's cap on eligible class pairs (solver.limits.MAX_CLASS_PAIRS when "
        "omitted; hard XL has about 21 million, so it needs this to be solved at all)",
    )
    parser.add_argument(
        "--previous-tree",
        help="a tree holding the previous solver/ package (git archive 429e4af solver): run its "
        "whole run_round side by side",
    )
    args = parser.parse_args()
    if args.gc_paused:
        import os

        os.environ["HRHX_LADDER_GC_PAUSED"] = "1"  # inherited by the spawned children
    results: list[dict[str, Any]] = []
    for name in args.sizes.split(","):
        n = SIZES[name]
        raw, source = make_scenario(n, args.seed, args.generator)
        if args.pair_minimum_benefit is not None:
            raw["policy"]["pair_minimum_benefit_usd"] = args.pair_minimum_benefit
        ours = in_child(run_ours, raw, args.time_limit, args.max_class_pairs)
        row = {"size": name, "postings": n, "generator": source, "ours": ours}
        if args.pair_minimum_benefit is not None:
            row["pair_minimum_benefit_usd"] = args.pair_minimum_benefit
        if args.previous_tree:
            row["previous"] = in_child(run_previous, raw, args.time_limit, args.previous_tree)
            print(name, "previous", json.dumps(row["previous"], default=str), flush=True)
        if n > args.legacy_above:
            row["legacy"] = in_child(run_legacy, raw, args.time_limit)
            print(name, "legacy", json.dumps(row["legacy"], default=str), flush=True)
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
