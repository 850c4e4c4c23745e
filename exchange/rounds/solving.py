"""Solving a round's frozen scenario, and what a solve gives back (``Solved``).

A server's round worker solves in a child process of its own (``exchange.rounds.solver_process``);
tests, the demo and the command line solve in their own thread (``solve_here``). Both give the same
``Solved``: what the round's row records, the matches as plain tuples, the result's JSON text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solver

log = logging.getLogger("hrhx.rounds")

MatchRow = tuple[str, str, int, int, int, str | None, dict[str, Any] | None]
"""A match as a proposal stores it: deposit, withdrawal, count, benefit per worker (USD),
language training (months), agreement, legal basis (MATCHING.md section 7)."""

OVERRUN_FACTOR = 3.0
OVERRUN_MIN_S = 60.0


@dataclass(frozen=True)
class Solved:
    """A solve's outcome: what the round's row records, the matches as plain tuples (cheap to
    send between processes and to insert), and the result as its JSON text."""

    status: str  # OPTIMAL | FEASIBLE | INVALID
    objective: tuple[int, int, int] | None
    rows: list[MatchRow]
    text: str
    solve_seconds: float | None
    problems: str | None = None  # an INVALID scenario's problems, in one line


class SolverError(Exception):
    """The solve failed (an error in the solver, or its process stopped); the message says how."""


class SolverShutDown(SolverError):
    """The solver process was shut down with its server: the round is left to its lease."""


def solved_of(result: solver.Result) -> Solved:
    """The summary of a result, its matches as tuples, its JSON serialised once (by the model)."""
    problems = None
    if result.status == "INVALID":
        problems = "; ".join(f"{p.path}: {p.message}" for p in result.errors or [])
    objective = result.objective
    return Solved(
        status=result.status,
        objective=(
            (objective.priority_fill, objective.min_fill_permille, objective.benefit_usd)
            if objective is not None
            else None
        ),
        rows=[
            (
                m.deposit_id,
                m.withdrawal_id,
                m.count,
                m.benefit_usd_per_worker,
                m.language_training_months,
                m.agreement_id,
                m.basis.model_dump() if m.basis is not None else None,
            )
            for m in result.matches or []
        ],
        text=result.model_dump_json(exclude_none=True),
        solve_seconds=result.stats.solve_seconds if result.stats else None,
        problems=problems,
    )


ProgressHook = Callable[[solver.ProgressEvent], None]


def solve_here(
    scenario: dict[str, Any],
    *,
    on_progress: ProgressHook,
    max_class_pairs: int | None,
) -> Solved:
    """Solve in this thread. Raises ``solver.RoundTooLarge`` when the round is refused."""
    result = solver.solve(scenario, on_progress=on_progress, max_class_pairs=max_class_pairs)
    return solved_of(result)


def overrun_s(scenario: dict[str, Any]) -> float:
    """How long a solve may take before it is stopped: well past the policy's time limit (which
    bounds the tiers, not the pairs' enumeration or the explanations)."""
    policy = scenario.get("policy")
    limit = policy.get("time_limit_s") if isinstance(policy, dict) else None
    if not isinstance(limit, int | float) or isinstance(limit, bool):
        limit = 60.0
    return max(OVERRUN_MIN_S, OVERRUN_FACTOR * float(limit))
