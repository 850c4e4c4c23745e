"""What the tier engine (`solver.tiers`) and the MIPs that prove its tiers (`solver.tier_mips`)
ask of a round's model (`Tiered`, which `solver.model.RoundModel` is), and a tier's objective as
they maximise it (`max_form`)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from solver.backends import LinearModel
from solver.compiled_values import Counts

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DUAL_TOL = 1e-7
"""How far from 0 a reduced cost or dual, relative to the objective's scale, still counts as 0
(`solver.tiers.keep_face`, `solver.tier_mips.certified_mip`)."""


class Tiered(Protocol):
    """What the engine needs from a round's model (`solver.model.RoundModel`)."""

    n: int
    z: int
    y0: int
    lp: LinearModel
    fill_rows: IntArray
    fill_req: list[int]
    servable: list[str]
    has_binaries: bool
    trivial_bound1: int
    trivial_bound3: int
    seed: int

    def objective(self, tier: int) -> FloatArray:
        """Tier ``tier``'s objective over all columns, a new array each call (the engine
        scales it in place)."""
        ...

    def tier_value(self, tier: int, x: Counts) -> int: ...

    def likely_columns(self, cost: FloatArray) -> IntArray: ...

    def mip_model(self, tier: int) -> LinearModel:
        """The model tier ``tier``'s MIP (`mip_tier`) is solved over: ``lp``, or ``lp`` with
        rows of its own."""
        ...

    def mip_start(self, x: Counts) -> FloatArray:
        """The class pairs' flows ``x`` as a point of every column of ``lp``."""
        ...


def max_form(m: Tiered, tier: int) -> FloatArray:
    """Tier ``tier``'s objective as the engine maximises it: tier 4's tie-break, which is
    minimised, negated; a new array each call."""
    cost = m.objective(tier)
    if tier == 4:
        cost *= -1.0
    return cost
