"""How far posting classes would merge by their eligibility signature (not a test).

    .venv/bin/python bench/signature_merge.py --generator hard --size 20000 --seed 0 \
        --out bench/results/signature_merge_hard_L_seed0.json

Issue #21 lists "aggregation of postings by their eligibility signature within (origin, cadre)"
among the methods to choose by measurement.  The solver's classes already merge postings alike
in every attribute (`solver.classes`).  Two deposit classes of one (origin, cadre) whose class
pairs go to the same withdrawal classes with the same benefit, training months and preferences
have identical columns in every row and objective of the model (C2 and C3 rows are keyed by
origin, destination and cadre, and count a pair by its withdrawal's modality; the fill rows by
destination), so the LP could hold them as one
class of their summed workers; likewise for withdrawal classes of one (destination, cadre,
priority).  This counts, on one round's eligible class pairs, the classes that have a pair and
the distinct signatures among them: exact (what a merge could use) and by the eligible set alone
(an upper bound on any looser merge).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generated_round import generated_scenario, round_arguments  # noqa: E402
from solver.classes import Pairs, enumerate_pairs  # noqa: E402
from solver.eligibility import Context  # noqa: E402


def signatures(pairs: Pairs, side: str) -> dict[str, int]:
    """Classes of ``side`` with a pair, and their distinct signatures (exact, and by the set
    of classes on the other side alone)."""
    own, other = (pairs.dep, pairs.wd) if side == "deposit" else (pairs.wd, pairs.dep)
    classes = pairs.deposits if side == "deposit" else pairs.withdrawals
    order = np.lexsort((other, own))
    o, t = own[order], other[order]
    values = [pairs.benefit[order], pairs.months[order], pairs.prefs[order]]
    cuts = np.flatnonzero(np.r_[True, o[1:] != o[:-1], True])
    exact: set[tuple[Any, ...]] = set()
    loose: set[tuple[Any, ...]] = set()
    for s, e in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        rep = classes[int(o[s])].rep
        where = (rep.country, rep.cadre, getattr(rep, "priority", None), t[s:e].tobytes())
        loose.add(where)
        exact.add((*where, *(v[s:e].tobytes() for v in values)))
    return {
        "classes_with_a_pair": int(cuts.size - 1),
        "exact_signatures": len(exact),
        "eligible_set_signatures": len(loose),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    round_arguments(parser)
    args = parser.parse_args()
    scenario = generated_scenario(args)
    pairs = enumerate_pairs(Context.of(scenario), scenario, max_class_pairs=10**9)
    record = {
        "generator": args.generator,
        "size": args.size,
        "seed": args.seed,
        "class_pairs": len(pairs),
        "deposit": signatures(pairs, "deposit"),
        "withdrawal": signatures(pairs, "withdrawal"),
    }
    print(json.dumps(record, indent=2))
    if args.out:
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
