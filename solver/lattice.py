"""The objective's lattice: the values a tier's integer points take, and an LP bound read on it.

Every column is an integer and every objective coefficient too, so every integer point's value
is a multiple of the coefficients' greatest common divisor (`objective_step`; hard rounds'
benefits are multiples of 250).  An LP bound B then caps the integer optimum at `integer_cap`,
the highest multiple at or below B, and only when B is that multiple can an integer point lie
on the LP's optimal face (`on_lattice`).

B comes from floating point: GLOP's optimum of hard XL seed 5's tier 3 read 1,198,617,000.0000017
where the vertex's exact value is 1,198,617,000 (seven units in the last place of a number that
large).  A fixed tolerance of 1e-6 took it for a bound off the lattice, and the tier went to a
MIP over every column of its face (450 s, 6.2 GB) instead of the integer points of its face
(docs/benchmarks-solver.md, thirty-third session).  The tolerance is therefore relative to B
(`LATTICE_TOL`): far above rounding errors, far below any genuine distance from the lattice (a
vertex's value is a fraction of small denominator, a multiple of the step divided by it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from solver.compiled_values import coefficient_gcd

FloatArray = npt.NDArray[np.float64]

ABSOLUTE_TOL = 1e-6
"""How far an LP bound may lie from a lattice point and still count as on it, for small bounds."""
LATTICE_TOL = 1e-12
"""The same, relative to the bound's size: about 4,500 units in the last place of a double,
against the seven seen (hard XL seed 5); a bound of 1.2e9 USD may lie 0.0012 from a multiple of
250 and count as on it, where a vertex genuinely off the lattice lies a share of 250 from it."""


def objective_step(cost: FloatArray) -> int:
    """The greatest common divisor of the objective's nonzero coefficients (1 when one is not
    an integer): every column is an integer, so every integer point's value is a multiple of
    it (hard rounds' benefits are multiples of 250)."""
    return int(coefficient_gcd(cost))  # compiled: no copy of the nonzeros


def lattice_tol(bound: float) -> float:
    """How far ``bound`` may lie from a multiple of the step and count as that multiple."""
    return max(ABSOLUTE_TOL, LATTICE_TOL * abs(bound))


def integer_cap(bound: float, step: int) -> int:
    """The highest value an integer point can reach below the LP bound ``bound`` (max form)
    when every value is a multiple of ``step``: ``step * floor(bound / step)``, a bound within
    `lattice_tol` below a multiple taken as that multiple."""
    return step * int(np.floor((bound + lattice_tol(bound)) / step))


def on_lattice(bound: float, cap: int) -> bool:
    """Whether the LP bound ``bound`` is its cap ``cap`` (`integer_cap`) up to `lattice_tol`:
    then an integer point may lie on the LP's optimal face."""
    return abs(bound - cap) <= lattice_tol(bound)
