"""Aggregation: interchangeable postings merged into classes, eligible class pairs enumerated.

Two deposits with the same attributes (all but id and count) are interchangeable for every rule,
constraint and objective tier, and so are two such withdrawals; each group becomes a class whose
capacity is the sum of counts and whose postings are filled in id order when the solution is
disaggregated.  Eligibility is then evaluated class against class, one cadre at a time, with the
vectorised rules of `solver.eligibility` in row chunks (bounded memory), which also yields the
per-class reason counts used by the explanations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from solver.eligibility import CODE_INDEX, CODES, CadreBlock, Context
from solver.limits import MAX_CLASS_PAIRS, MAX_CLASS_PAIRS_CONSIDERED, RoundTooLarge
from solver.schema import Deposit, Scenario, Withdrawal

P = TypeVar("P", Deposit, Withdrawal)
NCODES = len(CODES) + 1
LANG = CODE_INDEX["LANGUAGE_GAP"]
CHUNK_ENTRIES = 2_000_000
EXACT_FLOAT32 = 1 << 24
"""Below this, sums of whole workers are exact in float32 (reason statistics)."""

IntArray = npt.NDArray[np.int64]


@dataclass
class PostingClass(Generic[P]):
    """Interchangeable postings: a representative, member ids in order and their counts."""

    rep: P
    ids: list[str]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


_NOT_ATTRIBUTES = frozenset({"id", "count"})


def merge(postings: list[P], distinct: frozenset[str] = frozenset()) -> list[PostingClass[P]]:
    """Postings grouped by all attributes but id and count; classes ordered by first id.

    A posting whose id is in ``distinct`` (named in an excluded pair) keeps a class of its own.
    """
    groups: dict[str, PostingClass[P]] = {}
    for p in sorted(postings, key=lambda p: p.id):
        # the field values' repr (str, int, lists and dicts of them, in field order): the same
        # grouping as the JSON of the fields, without serialising 100,000 models
        key = repr([v for k, v in p.__dict__.items() if k not in _NOT_ATTRIBUTES])
        if p.id in distinct:
            key = f"{key}#{p.id}"
        cls = groups.get(key)
        if cls is None:
            groups[key] = PostingClass(rep=p, ids=[p.id], counts=[p.count])
        else:
            cls.ids.append(p.id)
            cls.counts.append(p.count)
    return sorted(groups.values(), key=lambda c: c.ids[0])


@dataclass
class Pairs:
    """Eligible class pairs (parallel arrays) and per-class reason statistics."""

    deposits: list[PostingClass[Deposit]]
    withdrawals: list[PostingClass[Withdrawal]]
    dep: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wd: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    benefit: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    months: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    prefs: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # workers of the other side per (class, code) and a representative counterpart class
    w_workers: IntArray = field(default_factory=lambda: np.zeros((0, NCODES), dtype=np.int64))
    w_rep: IntArray = field(default_factory=lambda: np.zeros((0, NCODES), dtype=np.int64))
    d_workers: IntArray = field(default_factory=lambda: np.zeros((0, NCODES), dtype=np.int64))
    d_rep: IntArray = field(default_factory=lambda: np.zeros((0, NCODES), dtype=np.int64))
    pairs_considered: int = 0
    pairs_eligible: int = 0

    def __len__(self) -> int:
        return int(self.dep.shape[0])


def enumerate_pairs(
    ctx: Context,
    scenario: Scenario,
    *,
    max_class_pairs: int = MAX_CLASS_PAIRS,
) -> Pairs:
    """All eligible class pairs of the round, cadre by cadre, with reason statistics.

    Raises ``RoundTooLarge`` (``solver.limits``) before anything is evaluated when the class
    pairs to consider exceed ``MAX_CLASS_PAIRS_CONSIDERED``, and as soon as more than
    ``max_class_pairs`` are eligible.
    """
    dcls = merge(list(scenario.deposits), frozenset(d for d, _ in ctx.excluded))
    wcls = merge(list(scenario.withdrawals), frozenset(w for _, w in ctx.excluded))
    nd, nw = len(dcls), len(wcls)
    out = Pairs(deposits=dcls, withdrawals=wcls)
    out.w_workers = np.zeros((nw, NCODES), dtype=np.int64)
    out.w_rep = np.full((nw, NCODES), -1, dtype=np.int64)
    out.d_workers = np.zeros((nd, NCODES), dtype=np.int64)
    out.d_rep = np.full((nd, NCODES), -1, dtype=np.int64)
    out.pairs_considered = len(scenario.deposits) * len(scenario.withdrawals)
    countries = {c.code: i for i, c in enumerate(scenario.countries)}
    months_per_level = scenario.policy.language_months_per_level
    parts: dict[str, list[IntArray]] = {k: [] for k in ("dep", "wd", "benefit", "months", "prefs")}
    by_cadre_d: dict[str, list[int]] = {}
    by_cadre_w: dict[str, list[int]] = {}
    for i, dc in enumerate(dcls):
        by_cadre_d.setdefault(dc.rep.cadre, []).append(i)
    for j, wc in enumerate(wcls):
        by_cadre_w.setdefault(wc.rep.cadre, []).append(j)
    cadres = sorted(set(by_cadre_d) & set(by_cadre_w))
    considered = sum(len(by_cadre_d[c]) * len(by_cadre_w[c]) for c in cadres)
    if considered > MAX_CLASS_PAIRS_CONSIDERED:
        raise RoundTooLarge(
            f"{considered:,} pairs of posting classes of the same cadre to check, more than"
            f" the {MAX_CLASS_PAIRS_CONSIDERED:,} the solver takes on (postings alike in every"
            f" attribute form a class; this round has {nd:,} deposit and {nw:,} withdrawal"
            " classes); narrow the round with countries or cadres"
        )
    eligible_postings = 0
    class_pairs = 0
    for cadre in cadres:
        di = np.array(by_cadre_d[cadre], dtype=np.int64)
        wj = np.array(by_cadre_w[cadre], dtype=np.int64)
        block = CadreBlock(
            ctx, cadre, [dcls[i].rep for i in di], [wcls[j].rep for j in wj], countries
        )
        dcount = np.array([dcls[i].total for i in di], dtype=np.int64)
        wcount = np.array([wcls[j].total for j in wj], dtype=np.int64)
        dn = np.array([len(dcls[i].ids) for i in di], dtype=np.int64)
        wn = np.array([len(wcls[j].ids) for j in wj], dtype=np.int64)
        d_pref = np.zeros((len(di), len(countries)), dtype=np.int64)
        for r, i in enumerate(di):
            for code in dcls[i].rep.preferred_destinations:
                d_pref[r, countries[code]] = 1
        w_pref = np.zeros((len(wj), len(countries)), dtype=np.int64)
        for r, j in enumerate(wj):
            for code in wcls[j].rep.preferred_origins:
                w_pref[r, countries[code]] = 1
        w_best_gap = np.full(len(wj), 1 << 40, dtype=np.int64)
        step = max(1, CHUNK_ENTRIES // max(1, len(wj)))
        for start in range(0, len(di), step):
            rows = slice(start, min(len(di), start + step))
            gap_levels = block.gap_levels(rows)
            codes = block.failure_matrix(rows, gap_levels)
            rdi = np.arange(rows.start, rows.stop)
            # reason statistics, per code (index 0 = eligible): the workers of the other side
            # (one matrix-vector product per side over the code's mask, in float32 when every
            # sum is exact there), and a representative of each side (the first)
            dweight, wweight = dcount[rows], wcount
            exact32 = max(int(dweight.sum()), int(wweight.sum())) < EXACT_FLOAT32
            dtype = np.float32 if exact32 else np.float64
            dw, ww = dweight.astype(dtype), wweight.astype(dtype)
            as_float = np.empty(codes.shape, dtype=dtype)
            present = np.bincount(codes.ravel(), minlength=NCODES) > 0
            for k in np.flatnonzero(present).tolist():
                mask = codes == k
                np.copyto(as_float, mask)
                out.w_workers[wj, k] += np.rint(dw @ as_float).astype(np.int64)
                out.d_workers[di[rows], k] += np.rint(as_float @ ww).astype(np.int64)
                if k == LANG:
                    continue
                col_any = mask.any(axis=0)
                first_row = rdi[mask.argmax(axis=0)]
                unset = col_any & (out.w_rep[wj, k] < 0)
                out.w_rep[wj[unset], k] = di[first_row[unset]]
                row_any = mask.any(axis=1)
                out.d_rep[di[rows][row_any], k] = wj[mask.argmax(axis=1)[row_any]]
            lang_mask = codes == LANG
            if lang_mask.any():
                gaps = np.where(lang_mask, gap_levels, np.int16(1 << 14))
                col_min = gaps.min(axis=0)
                better = col_min < w_best_gap
                w_best_gap[better] = col_min[better]
                out.w_rep[wj[better], LANG] = di[rdi[gaps.argmin(axis=0)[better]]]
                row_any = lang_mask.any(axis=1)
                out.d_rep[di[rows][row_any], LANG] = wj[gaps.argmin(axis=1)[row_any]]
            r_idx, c_idx = np.nonzero(codes == 0)
            if r_idx.size == 0:
                continue
            class_pairs += int(r_idx.size)
            if class_pairs > max_class_pairs:
                raise RoundTooLarge(
                    f"more than {max_class_pairs:,} eligible pairs of posting classes (postings"
                    f" alike in every attribute form a class; this round has {nd:,} deposit and"
                    f" {nw:,} withdrawal classes), the most the solver takes on; narrow the round"
                    " with countries or cadres"
                )
            eligible_postings += int((dn[rows][r_idx] * wn[c_idx]).sum())
            gi = rdi[r_idx]
            parts["dep"].append(di[gi])
            parts["wd"].append(wj[c_idx])
            o, t = block.o[gi], block.t[c_idx]
            ben = block.w_benefit[c_idx] + block.agreement_benefit[o, t]
            parts["benefit"].append(ben)
            parts["months"].append(gap_levels[r_idx, c_idx].astype(np.int64) * months_per_level)
            parts["prefs"].append(d_pref[gi, t] + w_pref[c_idx, o])
    out.pairs_eligible = eligible_postings
    if parts["dep"]:
        order_keys = {k: np.concatenate(v) for k, v in parts.items()}
        order = np.lexsort((order_keys["wd"], order_keys["dep"]))
        out.dep = order_keys["dep"][order]
        out.wd = order_keys["wd"][order]
        out.benefit = order_keys["benefit"][order]
        out.months = order_keys["months"][order]
        out.prefs = order_keys["prefs"][order]
    return out


def disaggregate(pairs: Pairs, x: IntArray) -> list[tuple[str, str, int, int]]:
    """Class-pair flows to posting flows (deposit id, withdrawal id, pair index, count).

    Deterministic: pairs in (deposit class, withdrawal class) order, each filling the members of
    both classes in id order.
    """
    dfill = [0] * len(pairs.deposits)  # next member to fill
    dleft = [c.counts[0] for c in pairs.deposits]
    wfill = [0] * len(pairs.withdrawals)
    wleft = [c.counts[0] for c in pairs.withdrawals]
    out: list[tuple[str, str, int, int]] = []
    for p in np.flatnonzero(x):
        i, j, need = int(pairs.dep[p]), int(pairs.wd[p]), int(x[p])
        dc, wc = pairs.deposits[i], pairs.withdrawals[j]
        while need > 0:
            while dleft[i] == 0:
                dfill[i] += 1
                dleft[i] = dc.counts[dfill[i]]
            while wleft[j] == 0:
                wfill[j] += 1
                wleft[j] = wc.counts[wfill[j]]
            take = min(need, dleft[i], wleft[j])
            out.append((dc.ids[dfill[i]], wc.ids[wfill[j]], int(p), take))
            dleft[i] -= take
            wleft[j] -= take
            need -= take
    return out
