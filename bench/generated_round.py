"""One generated round for a solver benchmark: its command-line options and its scenario.

``round_arguments(parser)`` adds ``--generator`` (``hard``: `fixtures.hard`, postings seldom
merge; ``fixtures``: `fixtures.generator`, they merge well), ``--size``, ``--seed`` and ``--out``;
``generated_scenario(args)`` builds and validates that round's scenario.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fixtures.generator import generate_scenario
from fixtures.hard import generate_hard_scenario
from solver.schema import Scenario
from solver.validation import validate_scenario


def round_arguments(parser: argparse.ArgumentParser, *, seed: int = 0) -> None:
    """The options that name a generated round, and where the results go."""
    parser.add_argument("--generator", choices=("hard", "fixtures"), default="hard")
    parser.add_argument("--size", type=int, default=20_000, help="postings")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", type=Path, default=None, help="results JSON")


def generated_scenario(args: argparse.Namespace) -> Scenario:
    """The validated scenario of the round ``args`` names."""
    generate = generate_hard_scenario if args.generator == "hard" else generate_scenario
    scenario = validate_scenario(generate(args.size, seed=args.seed))
    if isinstance(scenario, list):
        raise SystemExit(f"the generated scenario is invalid: {scenario}")
    return scenario
