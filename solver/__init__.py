"""The matching round of spec/MATCHING.md: pure models in, result out (no database, no HTTP).

Public API
----------
- ``solve(scenario, *, time_limit_s=None, seed=None, on_progress=None, num_workers=None,
  max_class_pairs=None, on_matched=None)``
  ``-> Result`` runs a round.  ``scenario`` is a ``Scenario`` or a raw dict (validated first;
  an invalid dict gives a ``Result`` with status ``INVALID`` and ``errors``).
  ``time_limit_s`` and ``seed`` override the policy.  ``on_progress`` receives
  ``ProgressEvent``s (tier, incumbent, bound, elapsed seconds); ``on_matched`` the result so far
  (status, objective, bound, matches) once the tiers are solved, before the unmatched postings
  are explained.  ``num_workers`` is accepted
  for API stability: each exact OR-Tools backend (GLOP, HiGHS) runs single-threaded and the
  independent blocks of an LP run two at a time (`solver.threads.THREADS`), each on its own, so
  results are byte-identical whatever it is.  ``max_class_pairs`` caps the eligible class pairs (the
  model's columns; default ``solver.limits.MAX_CLASS_PAIRS``): beyond it, or beyond
  ``solver.limits.MAX_CLASS_PAIRS_CONSIDERED`` pairs to check, ``solve`` raises
  ``RoundTooLarge`` instead of exhausting memory and time (the same round always gets the same
  answer).
- ``validate(raw) -> Scenario | list[Problem]``: every problem of a raw scenario dict, or the model.
- ``check_solution(scenario, result) -> list[str]``: independent checker (no solver) of a result.
- Models: ``Scenario``, ``Policy``, ``Country``, ``WorkforceFact``, ``Agreement``, ``Deposit``,
  ``Withdrawal``, ``Result``, ``Objective``, ``Bound``, ``Match``, ``Unmatched``, ``Reason``,
  ``Stats``, ``Problem``, ``ProgressEvent`` (in ``solver.schema``).
- CLI: ``python -m solver SCENARIO.json|-  [--time-limit S] [--seed N]``; reusable as
  ``solver.cli.run_cli(path, time_limit, seed, max_class_pairs) -> int`` (exit code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from solver.limits import RoundTooLarge
from solver.schema import (
    Agreement,
    Bound,
    Country,
    Deposit,
    Match,
    Objective,
    Policy,
    Problem,
    ProgressEvent,
    Reason,
    Result,
    Scenario,
    Stats,
    Unmatched,
    Withdrawal,
    WorkforceFact,
)

__all__ = [
    "Agreement",
    "Bound",
    "Country",
    "Deposit",
    "Match",
    "Objective",
    "Policy",
    "Problem",
    "ProgressEvent",
    "Reason",
    "Result",
    "RoundTooLarge",
    "Scenario",
    "Stats",
    "Unmatched",
    "Withdrawal",
    "WorkforceFact",
    "check_solution",
    "solve",
    "validate",
]


def validate(raw: dict[str, Any]) -> Scenario | list[Problem]:
    """The scenario model of ``raw``, or every problem found in it (path + message)."""
    from solver.validation import validate_scenario

    return validate_scenario(raw)


def solve(
    scenario: Scenario | dict[str, Any],
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    num_workers: int | None = None,
    max_class_pairs: int | None = None,
    on_matched: Callable[[Result], None] | None = None,
) -> Result:
    """Run the matching round of ``scenario`` (spec/MATCHING.md) and return its result.

    ``on_matched`` receives the result so far (status, objective, bound and matches; no
    ``unmatched`` nor ``stats``) as soon as the tiers are solved, before the unmatched postings
    are explained: a caller may start storing the matches meanwhile.

    Raises ``RoundTooLarge`` when the round has more eligible class pairs than
    ``max_class_pairs`` (default ``solver.limits.MAX_CLASS_PAIRS``), or more class pairs to check
    than ``solver.limits.MAX_CLASS_PAIRS_CONSIDERED``.
    """
    from solver.round import run_round

    return run_round(
        scenario,
        time_limit_s=time_limit_s,
        seed=seed,
        on_progress=on_progress,
        num_workers=num_workers,
        max_class_pairs=max_class_pairs,
        on_matched=on_matched,
    )


def check_solution(scenario: Scenario, result: Result) -> list[str]:
    """Violations of the spec's rules by ``result`` (empty when it is a valid round outcome)."""
    from solver.check import check_result

    return check_result(scenario, result)
