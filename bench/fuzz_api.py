"""Long schemathesis run: every operation of /openapi.json as each role, 200+ examples each.

    .venv/bin/python bench/fuzz_api.py [--examples 200] [--out bench/results/fuzz_api.json]

Derandomized (the same examples every run); fails (exit 1) on any server error, response not
matching its schema, or undocumented content type. Writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=200, help="per operation and role")
    parser.add_argument("--out", default="bench/results/fuzz_api.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from tests.reliability.fuzzing import run_fuzz

    with tempfile.TemporaryDirectory() as tmp:
        report = run_fuzz(Path(tmp), max_examples=args.examples)
    figures = {"max_examples_per_operation_and_role": args.examples, **report.as_dict()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "failures"}, indent=2))
    for failure in report.failures:
        print("FAIL", failure)
    return 1 if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
