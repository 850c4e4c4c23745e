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
