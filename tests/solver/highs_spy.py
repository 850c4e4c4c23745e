"""A record of the models a test's round hands to HiGHS (`solver.backends.solve_with_highs`)."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from ortools.math_opt import model_pb2, parameters_pb2, result_pb2

import solver.backends
import solver.master  # noqa: F401 - imported so that its own name for HiGHS is spied on too

Call = tuple[model_pb2.ModelProto, parameters_pb2.SolveParametersProto, Any]


def highs_calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every model HiGHS is handed from here on (`solver.backends.solve_with_highs`, under
    whichever name a solver module holds it: `solver.master`'s masters too), with its
    parameters and solution hint, in order."""
    calls: list[Call] = []
    real = solver.backends.solve_with_highs

    def spy(
        proto: model_pb2.ModelProto,
        params: parameters_pb2.SolveParametersProto,
        hint: Any = None,
    ) -> result_pb2.SolveResultProto:
        calls.append((proto, params, hint))
        return real(proto, params, hint)

    for name, module in list(sys.modules.items()):
        if name.startswith("solver.") and getattr(module, "solve_with_highs", None) is real:
            monkeypatch.setattr(module, "solve_with_highs", spy)
    return calls


def whole_mips(calls: list[Call]) -> list[Call]:
    """The calls that were MIPs (some variable integer)."""
    return [call for call in calls if any(call[0].variables.integers)]
