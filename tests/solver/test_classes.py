"""`solver.classes`: the order of the eligible class pairs, and the round that warms them up."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from fixtures.hard import generate_hard_scenario
from solver import classes
from solver.classes import enumerate_pairs
from solver.compiled_pairs import AMOUNT_INT16_MAX, AMOUNT_INT32_MAX, class_type
from solver.eligibility import Context
from solver.round import WARM_UP_ROUND, run_round
from solver.validation import validate_scenario
from tests.solver.pair_order import cadre_then_class_key


def test_pairs_come_cadre_by_cadre_then_in_deposit_then_withdrawal_class_order(
    monkeypatch: Any,
) -> None:
    """A hard round's cadres interleave in class order and are scanned cadre by cadre, in
    many chunks here: the pairs come cadre by cadre (so that an LP's block, a cadre, is a
    range of columns), each cadre's sorted by deposit class, then withdrawal class."""
    scenario = validate_scenario(generate_hard_scenario(600, seed=2))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    monkeypatch.setattr(classes, "CHUNK_ENTRIES", 50)
    pairs = enumerate_pairs(ctx, scenario)
    by_class = [d.rep.cadre for d in pairs.deposits]
    assert by_class != sorted(by_class), "the cadres interleave in class order"
    cadres = [pairs.deposits[int(i)].rep.cadre for i in pairs.dep]
    assert cadres == sorted(cadres)
    assert np.all(np.diff(cadre_then_class_key(pairs)) > 0)


def test_the_pairs_take_11_bytes_each_on_a_hard_round() -> None:
    """Class indices as uint16 (fewer than 2**16 classes a side), benefits as int32 (above
    int16's range with its margin), training months as int16 and preferences as int8 (hard
    XL holds up to 30 M pairs)."""
    scenario = validate_scenario(generate_hard_scenario(600, seed=2))
    assert not isinstance(scenario, list)
    pairs = enumerate_pairs(Context.of(scenario), scenario)
    fields = (pairs.dep, pairs.wd, pairs.benefit, pairs.months, pairs.prefs)
    assert [a.dtype for a in fields] == [np.uint16, np.uint16, np.int32, np.int16, np.int8]
    assert sum(a.nbytes for a in fields) == 11 * len(pairs)
    assert set(np.unique(pairs.prefs).tolist()) <= {0, 1, 2}


def test_class_indices_beyond_uint16_are_held_as_int32() -> None:
    """A side of 2**16 classes indexes them 0 to 65,535 (uint16); one more takes int32."""
    assert class_type(1) is np.uint16
    assert class_type(2**16) is np.uint16
    assert class_type(2**16 + 1) is np.int32


I16, I32, I64 = np.int16, np.int32, np.int64


@pytest.mark.parametrize(
    ("benefit", "months_per_level", "types"),
    [
        (AMOUNT_INT16_MAX - 1000, 6, (I16, I16)),  # the agreement's 1,000 on top: at the edge
        (AMOUNT_INT16_MAX - 999, 6, (I32, I16)),
        (AMOUNT_INT32_MAX - 1000, 6, (I32, I16)),
        (AMOUNT_INT32_MAX - 999, 6, (I64, I16)),
        (3_000_000_000, 6, (I64, I16)),
        (500, AMOUNT_INT16_MAX // 2, (I16, I16)),  # a gap of two levels: at the edge
        (500, AMOUNT_INT16_MAX // 2 + 1, (I16, I32)),
        (500, AMOUNT_INT32_MAX // 2, (I16, I32)),
        (500, AMOUNT_INT32_MAX // 2 + 1, (I16, I64)),
    ],
)
def test_benefits_and_months_are_held_in_the_smallest_type_that_fits(
    benefit: int, months_per_level: int, types: tuple[type[Any], type[Any]]
) -> None:
    """The policy bounds neither: a round's amounts are int16 while its largest is at most
    `AMOUNT_INT16_MAX`, int32 up to `AMOUNT_INT32_MAX`, int64 beyond, and every pair's amount
    is exact either way."""
    raw = copy.deepcopy(WARM_UP_ROUND)  # one deposit, one withdrawal, both IDN -> JPN nurses
    raw["policy"] = {"language_months_per_level": months_per_level}
    raw["agreements"] = [
        {
            "id": "a",
            "origin": "IDN",
            "destination": "JPN",
            "g2g": True,
            "cadres": ["2221"],
            "valid_from": "2025-01",
            "valid_to": "2027-12",
            "benefit_usd_per_worker": 1000,
        }
    ]
    deposit, withdrawal = raw["deposits"][0], raw["withdrawals"][0]
    deposit.update(count=2, languages={"ja": "A2"})
    withdrawal.update(
        count=2,
        benefit_usd_per_worker=benefit,
        required_languages={"ja": "B2"},
        language_training_months=10**12,
    )
    scenario = validate_scenario(raw)
    assert not isinstance(scenario, list), scenario
    pairs = enumerate_pairs(Context.of(scenario), scenario)
    assert len(pairs) == 1
    assert (pairs.benefit.dtype, pairs.months.dtype) == types
    assert int(pairs.benefit[0]) == benefit + 1000
    assert int(pairs.months[0]) == 2 * months_per_level
    result = run_round(raw)
    assert result.status == "OPTIMAL"
    assert result.objective is not None
    assert result.objective.benefit_usd == 2 * (benefit + 1000)


def test_the_warm_up_round_places_its_one_worker() -> None:
    """`solver.round.warm_up` loads every compiled loop only if its round has an eligible pair
    (the scan, the pairs' placement and the greedy all run then)."""
    from solver.round import WARM_UP_ROUND, run_round

    result = run_round(WARM_UP_ROUND)
    assert result.status == "OPTIMAL"
    assert [(m.deposit_id, m.withdrawal_id, m.count) for m in result.matches or []] == [
        ("d", "w", 1)
    ]


def test_the_warm_up_compiles_every_loop_of_the_solver() -> None:
    """After `solver.round.warm_up`, in a new process, every public numba loop of `solver` has
    a compiled signature: none is left for the first real round to load or compile (the
    loops of column generation are never reached by the one-pair round)."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    probe = textwrap.dedent(
        """
        import importlib, pkgutil, solver
        from numba.core.registry import CPUDispatcher
        from solver.round import warm_up

        warm_up()
        cold = []
        for info in pkgutil.iter_modules(solver.__path__):
            if info.name == "__main__":
                continue  # the command line, which would run
            module = importlib.import_module("solver." + info.name)
            for name, value in vars(module).items():
                if name.startswith("_") or not isinstance(value, CPUDispatcher):
                    continue  # a helper is compiled into the loops that call it
                if value.__module__ == module.__name__ and not value.signatures:
                    cold.append(module.__name__ + "." + name)
        print(sorted(cold))
        """
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
