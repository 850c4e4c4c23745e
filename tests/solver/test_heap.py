"""Freed memory handed back between tiers (`solver.heap`)."""

from __future__ import annotations

import platform
import sys

import numpy as np
import pytest

from solver.heap import can_release, release_freed


def resident_mb() -> float:
    with open("/proc/self/statm") as held:
        return int(held.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_freed_small_arrays_go_back_to_the_kernel_on_glibc() -> None:
    """Arrays below glibc's mmap threshold live on the heap; one kept at its top holds the
    freed ones below it resident until `release_freed`."""
    assert can_release()
    blocks = [np.ones(8_000) for _ in range(5_000)]  # 64 KB each, 305 MB in all
    top = np.ones(8_000)
    del blocks
    before = resident_mb()
    release_freed()
    assert resident_mb() < before - 200
    del top


def test_release_is_safe_to_call_anywhere() -> None:
    release_freed()
    release_freed()


def test_a_large_round_releases_the_heap_at_each_lp_tier_and_solves_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above `RELEASE_FREED_ABOVE` class pairs each LP tier's start releases the heap (tiers
    2, 3 and 4 at least), and the round's result is the same as without."""
    import solver.tiers as tiers
    from fixtures.hard import generate_hard_scenario
    from solver import solve
    from solver.schema import Scenario

    scenario = Scenario.model_validate(generate_hard_scenario(200, seed=0))
    before = solve(scenario)
    calls: list[int] = []
    monkeypatch.setattr(tiers, "RELEASE_FREED_ABOVE", 0)
    monkeypatch.setattr(tiers, "release_freed", lambda: calls.append(1))
    after = solve(scenario)
    assert len(calls) >= 3
    assert after.objective == before.objective
    assert after.matches == before.matches
