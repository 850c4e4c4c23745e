"""Integer values on a lattice: a tier's optimum below an LP bound that no integer point reaches.

Hard rounds' benefits are multiples of 250, so tier 3's integer optimum is a multiple of 250 too;
an LP bound of 404,525,875 (hard L seed 4) caps it at 404,525,750, which `certified_mip` then
reaches with one MIP instead of two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

import solver.tier_mips as tier_mips
import solver.tiers as tiers
from solver.backends import LinearModel, MipSolution, solve_lp
from solver.lattice import integer_cap, objective_step, on_lattice
from solver.tier_mips import certified_mip


def test_the_step_is_the_gcd_of_the_nonzero_coefficients() -> None:
    assert objective_step(np.array([250.0, 0.0, -750.0, 500.0])) == 250
    assert objective_step(np.array([3.0, 5.0])) == 1
    assert objective_step(np.array([250.0, 1.5])) == 1
    assert objective_step(np.zeros(3)) == 1


def test_the_cap_is_the_highest_multiple_of_the_step_at_or_below_the_bound() -> None:
    assert integer_cap(404_525_875.0, 250) == 404_525_750
    assert integer_cap(404_525_750.0, 250) == 404_525_750
    # an LP value a hair below a multiple still counts as reaching it
    assert integer_cap(408_805_249.9999993, 250) == 408_805_250
    assert integer_cap(7.9, 1) == 7
    assert integer_cap(-0.5, 1) == -1


def test_a_large_bound_a_few_units_in_the_last_place_off_a_multiple_is_on_the_lattice() -> None:
    # GLOP's tier-3 optimum of hard XL seed 5, whose vertex is worth 1,198,617,000 exactly
    assert on_lattice(1_198_617_000.0000017, 1_198_617_000)
    assert integer_cap(1_198_617_000.0000017, 250) == 1_198_617_000
    # the same error below: the cap is not a step lower than the optimum's
    assert integer_cap(1_198_616_999.9999983, 250) == 1_198_617_000
    # a bound genuinely off the lattice stays off it, however large
    assert not on_lattice(1_198_617_125.0, integer_cap(1_198_617_125.0, 250))
    assert not on_lattice(1_198_617_000.01, 1_198_617_000)
    # small bounds keep the absolute tolerance
    assert on_lattice(7.0000005, 7)
    assert not on_lattice(7.00001, 7)


@dataclass
class OddCycle:
    """x0 + x1, x1 + x2, x0 + x2 <= 1, every column worth 250: the LP's 375 at (1/2, 1/2,
    1/2), the integers' 250."""

    n: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        self.lp = LinearModel(
            col_lo=np.zeros(3),
            col_hi=np.ones(3),
            integer=np.ones(3, dtype=bool),
            matrix=sp.csr_matrix(np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]])),
            row_lo=np.full(3, -np.inf),
            row_hi=np.ones(3),
        )

    def objective(self, tier: int) -> np.ndarray:
        return np.full(3, 250.0)

    def tier_value(self, tier: int, x: np.ndarray) -> int:
        return int(250 * x.sum())


def test_certified_mip_aims_at_the_lattice_and_needs_one_mip() -> None:
    m = OddCycle()
    lps = solve_lp(m.lp, m.objective(3), maximize=True, time_limit=10)
    assert lps.objective == pytest.approx(375.0)
    real = tier_mips.solve_mip
    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> MipSolution:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tier_mips, "solve_mip", counted)
        out = certified_mip(m, 3, lps, 10.0)  # type: ignore[arg-type]
    assert out is not None
    x, value = out
    assert value == 250
    assert m.lp.rows_hold(x.astype(float))
    # floor(375) = 375 would have needed a second MIP once the first found 250
    assert len(calls) == 1


def test_a_fractional_vertex_off_the_lattice_is_rounded_to_the_cap() -> None:
    """The odd cycle's vertex (1/2, 1/2, 1/2) is worth 375, which no integer point reaches;
    rounded to the cap 250, it proves the tier without a MIP over the reduced costs."""
    m = OddCycle()
    lps = solve_lp(m.lp, m.objective(3), maximize=True, time_limit=10)
    assert lps.x is not None
    assert lps.x.tolist() == [0.5, 0.5, 0.5]
    assert lps.objective is not None
    cap = integer_cap(lps.objective, objective_step(m.objective(3)))
    assert cap == 250
    out = tier_mips.rounded_to_cap(m, 3, lps, m.objective(3), cap, 10.0)  # type: ignore[arg-type]
    assert out is not None
    x, value = out
    assert value == 250
    assert x.sum() == 1
    assert m.lp.rows_hold(x.astype(float))


def test_a_tier_whose_lp_bound_carries_rounding_error_is_kept_by_its_face() -> None:
    """A tier-3 LP optimum of 1.2e9 USD read 1.7e-6 above its exact value (as GLOP's did on hard
    XL seed 5), its vertex reported fractional: the bound is still on the lattice, so the tier
    is deferred on its LP face and proven by tier 4's integral vertex ("lp-face"), not sent to
    the rounding to a cap and the MIP over its face, which took that round 450 s and 6.2 GB."""
    import time

    from solver.classes import enumerate_pairs
    from solver.eligibility import Context
    from solver.model import RoundModel
    from solver.schema import Scenario

    window = {"start_from": "2026-01", "start_to": "2026-12", "duration_months": 12}
    scenario = Scenario.model_validate(
        {
            "as_of": "2026-01",
            "countries": [{"code": "IDN"}, {"code": "JPN"}],
            "deposits": [
                {
                    "id": "d",
                    "country": "IDN",
                    "cadre": "2221",
                    "count": 2,
                    "available_from": "2026-01",
                    "available_to": "2026-12",
                    "modalities": ["relocation"],
                }
            ],
            "withdrawals": [
                {"id": f"w{i}", "country": "JPN", "cadre": "2221", "count": 1, **window}
                | {"modality": "relocation", "benefit_usd_per_worker": 600_000_000 + 250 * i}
                for i in range(2)
            ],
        }
    )
    ctx = Context.of(scenario)
    model = RoundModel(ctx, enumerate_pairs(ctx, scenario))
    real_columns, real_vertex = tiers.solve_lp_columns, tiers.integral_vertex
    calls = [0]

    def noisy(*args: object, **kwargs: object) -> object:
        sol = real_columns(*args, **kwargs)  # type: ignore[arg-type]
        if sol.objective is not None and sol.objective > 1e9:  # tier 3's LP
            sol.objective += 1.7e-6
        return sol

    def tier_3_fractional(*args: object) -> object:
        calls[0] += 1
        return None if calls[0] == 2 else real_vertex(*args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tiers, "solve_lp_columns", noisy)
        mp.setattr(tiers, "integral_vertex", tier_3_fractional)
        now = time.monotonic()
        sol = model.solve(deadline=now + 60, started=now)
    assert sol.optimal
    assert model.tier_value(3, sol.x) == 1_200_000_250
    assert [t.method for t in sol.tiers[2:]] == ["lp-face", "lp"]
