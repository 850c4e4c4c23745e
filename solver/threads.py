"""The solver's worker threads: how many run at once, and work handed to them in order.

The compiled loops (`solver.compiled_*`) and OR-Tools' solvers release the GIL, so work split
over threads runs on every core: an LP's independent blocks (`solver.blocks`), the eligibility
scan and the pairs' writes (`solver.classes`), the matrix's layout (`solver.compiled_layout`),
and pricing's ``A^T y`` and the rows' activity ranges (`solver.compiled_rows`).  This machine
has 2 cores; `THREADS` is the one number that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

THREADS = 2
"""Threads at work at once (this machine's cores)."""


def each(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``work(item)`` for every item, `THREADS` at once, the results in the items' order (the
    first failure, in that order, raised)."""
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(work, items))
