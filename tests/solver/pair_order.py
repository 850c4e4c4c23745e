"""The order the eligible class pairs promise (`solver.classes.enumerate_pairs`), as one sort
key the tests of that order share: cadre by cadre (in the cadres' sorted order), each cadre's
by deposit class, then withdrawal class."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from solver.classes import Pairs


def cadre_then_class_key(pairs: Pairs) -> npt.NDArray[np.int64]:
    """Each pair's place in the promised order: strictly increasing along the pairs exactly
    when they come in that order, each once."""
    rank = {c: k for k, c in enumerate(sorted({d.rep.cadre for d in pairs.deposits}))}
    cadre = np.array([rank[d.rep.cadre] for d in pairs.deposits], dtype=np.int64)[pairs.dep]
    key: npt.NDArray[np.int64] = cadre * len(pairs.deposits) + pairs.dep
    return key * max(1, len(pairs.withdrawals)) + pairs.wd
