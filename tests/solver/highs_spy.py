"""A record of the models a test's round hands to HiGHS (`solver.backends.solve_with_highs`)."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.math_opt import model_pb2, parameters_pb2, result_pb2

import solver.backends

Call = tuple[model_pb2.ModelProto, parameters_pb2.SolveParametersProto, Any]


def highs_calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every model HiGHS is handed from here on (`solver.backends.solve_with_highs`), with its
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

    monkeypatch.setattr(solver.backends, "solve_with_highs", spy)
    return calls


def whole_mips(calls: list[Call]) -> list[Call]:
    """The calls that were MIPs (some variable integer)."""
    return [call for call in calls if any(call[0].variables.integers)]
