"""The cyclic garbage collector paused while a round is solved.

A round at 100,000 postings validates 100,000 pydantic models, merges them into classes, and
builds as many result objects again (matches, unmatched postings and their reasons): no reference
cycles, but enough allocations to trigger full collections that rescan everything alive, again
and again.  On the fixtures XL round those collections took 30-50 % of the wall clock, at random
stages.  Reference counting still frees everything as usual; only the search for cycles waits
until the round ends.  The collector is process-wide, so pauses from several threads are counted
and it resumes when the last one ends (and only if it was on before the first); a pause nested in
another one elsewhere (``exchange.gc_pause``) leaves the collector on at the end if it was on at
the start.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (for acyclic bulk data only)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
