"""Freed memory handed back to the kernel between a round's tiers (glibc's ``malloc_trim``).

A tier's LP frees most of what it allocated, but the C heap keeps the freed pages (numpy's
smaller arrays, the masters' protos, GLOP's and HiGHS' own memory) and the process's resident
set counts them until the heap's top is free.  On hard XL seed 1 that was 100-580 MB at each
tier's start; ``malloc_trim`` returned it in 2-11 ms each, and the round's peak fell from
3,959 MB to 3,899 MB (docs/benchmarks-solver.md, twenty-ninth session).  The tier engine
does so on rounds large enough for memory to bind (`RELEASE_FREED_ABOVE`).  A C
library without it (macOS, musl) leaves the heap as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

RELEASE_FREED_ABOVE = 10_000_000
"""Class pairs above which each tier's start (`solver.tiers`), and each MIP over a tier's
columns after it is solved (`solver.tier_mips.mip_over`), hands the heap's freed pages back to
the kernel (`release_freed`): hard XL seed 1's peak 3,899 MB against 3,959 MB.  Below, the
pages a later tier would fault in again cost more than the memory is worth: hard L seeds 0-11
side by side +1.3 % with it (docs/benchmarks-solver.md, twenty-ninth session)."""

_LIBC_NAME = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
_TRIM = getattr(ctypes.CDLL(_LIBC_NAME), "malloc_trim", None) if _LIBC_NAME else None


def can_release() -> bool:
    """Whether this process's C library hands freed heap pages back (glibc)."""
    return _TRIM is not None


def release_freed() -> None:
    """Hand the pages of freed heap memory back to the kernel, where the C library can."""
    if _TRIM is not None:
        _TRIM(0)
