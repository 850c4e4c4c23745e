"""`solver.classes`: the order of the eligible class pairs, and the round that warms them up."""

from __future__ import annotations

from typing import Any

import numpy as np

from fixtures.hard import generate_hard_scenario
from solver import classes
from solver.classes import enumerate_pairs
from solver.eligibility import Context
from solver.validation import validate_scenario


def test_pairs_of_interleaved_cadres_come_in_deposit_then_withdrawal_class_order(
    monkeypatch: Any,
) -> None:
    """A hard round's cadres interleave in class order and are scanned cadre by cadre, in
    many chunks here: the pairs still come sorted by deposit class, then withdrawal class."""
    scenario = validate_scenario(generate_hard_scenario(600, seed=2))
    assert not isinstance(scenario, list)
    ctx = Context.of(scenario)
    monkeypatch.setattr(classes, "CHUNK_ENTRIES", 50)
    pairs = enumerate_pairs(ctx, scenario)
    cadres = [pairs.deposits[int(i)].rep.cadre for i in pairs.dep]
    assert cadres != sorted(cadres), "the cadres interleave, so the scan's order is not sorted"
    key = pairs.dep * len(pairs.withdrawals) + pairs.wd
    assert np.all(np.diff(key) > 0)


def test_the_warm_up_round_places_its_one_worker() -> None:
    """`solver.round.warm_up` loads every compiled loop only if its round has an eligible pair
    (the scan, the pairs' placement and the greedy all run then)."""
    from solver.round import WARM_UP_ROUND, run_round

    result = run_round(WARM_UP_ROUND)
    assert result.status == "OPTIMAL"
    assert [(m.deposit_id, m.withdrawal_id, m.count) for m in result.matches or []] == [
        ("d", "w", 1)
    ]
