"""``hrhx solve``: run a matching round on a scenario file (the solver's own command line)."""

from __future__ import annotations

from typing import Annotated

import typer


def solve(
    scenario: Annotated[str, typer.Argument(help="Scenario JSON file, or '-' for standard input.")],
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds (overrides the policy).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Overrides the policy.")] = None,
    max_class_pairs: Annotated[
        int | None,
        typer.Option("--max-class-pairs", help="Refuse a round with more eligible class pairs."),
    ] = None,
) -> None:
    """Solve SCENARIO (MATCHING.md) and print the result JSON; exit 2 when it is invalid."""
    from solver.cli import run_cli

    code = run_cli(scenario, time_limit, seed, max_class_pairs)
    if code:
        raise typer.Exit(code)
