"""Aggregation: interchangeable postings merged into classes, eligible class pairs enumerated.

Two deposits with the same attributes (all but id and count) are interchangeable for every rule,
constraint and objective tier, and so are two such withdrawals; each group becomes a class whose
capacity is the sum of counts and whose postings are filled in id order when the solution is
disaggregated.  Eligibility is then evaluated class against class, one cadre at a time, by the
compiled rules of `solver.compiled_rules` in row chunks (bounded memory), which also yield the
per-class reason counts used by the explanations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from solver.compiled_rules import NCODES, NO_GAP, CountryFacts, WithdrawalSide, scan_block
from solver.eligibility import CODE_INDEX, CadreBlock, Context
from solver.limits import MAX_CLASS_PAIRS, MAX_CLASS_PAIRS_CONSIDERED, RoundTooLarge
from solver.schema import Deposit, Scenario, Withdrawal

P = TypeVar("P", Deposit, Withdrawal)
LANG = CODE_INDEX["LANGUAGE_GAP"]
CHUNK_ENTRIES = 2_000_000

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


@dataclass
class ChunkScan:
    """What one row chunk of a cadre's deposit classes (x all its withdrawal classes) yields.

    Indices are global class indices; -1 means none.  `enumerate_pairs` merges chunks in their
    order, so the result does not depend on how a cadre's rows are chunked (a test checks it).
    """

    wj: IntArray  # the cadre's withdrawal classes
    drows: IntArray  # the chunk's deposit classes
    w_workers: IntArray  # (withdrawal classes, NCODES): deposit workers per first failing code
    d_workers: IntArray  # (chunk rows, NCODES): withdrawal workers per first failing code
    w_first: IntArray  # (withdrawal classes, NCODES): the first deposit class per code (-1
    # for LANGUAGE_GAP, whose representative is the first with the smallest gap, below)
    d_rep: IntArray  # (chunk rows, NCODES): a withdrawal class per code
    w_lang_gap: IntArray  # per withdrawal class, the smallest gap of LANGUAGE_GAP pairs
    w_lang_rep: IntArray  # and the first deposit class with it
    parts: dict[str, IntArray]  # the eligible pairs: dep, wd, benefit, months, prefs
    eligible_postings: int


@dataclass
class CadreScan:
    """A cadre's block and the per-class facts its chunks read (built once per cadre)."""

    block: CadreBlock
    di: IntArray  # the cadre's deposit classes (global indices), the block's rows
    wj: IntArray  # its withdrawal classes, the block's columns
    dcount: IntArray
    wcount: IntArray
    dn: IntArray  # postings per class
    wn: IntArray
    d_pref: IntArray  # (deposit classes, countries): preferred destinations
    w_pref: IntArray  # (withdrawal classes, countries): preferred origins
    months_per_level: int
    withdrawal_side: WithdrawalSide = field(init=False)
    country_facts: CountryFacts = field(init=False)

    def __post_init__(self) -> None:
        self.withdrawal_side = self.block.withdrawal_side()
        self.country_facts = self.block.country_facts()

    def scan(self, rows: slice) -> ChunkScan:
        """Eligibility of deposit classes ``rows`` x every withdrawal class of the cadre, with
        the reason statistics (`Pairs.w_workers` etc.) of the chunk: one compiled pass
        (`solver.compiled_rules.scan_block`)."""
        block, di, wj = self.block, self.di, self.wj
        rdi = np.arange(rows.start, rows.stop)
        found = scan_block(
            block.deposit_side(rows),
            self.withdrawal_side,
            self.country_facts,
            block.declined_matrix(rows),
            (self.dcount[rows], self.wcount, self.dn[rows], self.wn),
        )
        # local rows and columns to global class indices (-1 stays -1)
        w_first = np.where(found.w_first >= 0, di[rdi[np.maximum(found.w_first, 0)]], -1)
        d_rep = np.where(found.d_first >= 0, wj[np.maximum(found.d_first, 0)], -1)
        lang_row = found.w_lang_row
        lang_rep = np.where(lang_row >= 0, di[rdi[np.maximum(lang_row, 0)]], -1)
        r_idx, c_idx = found.pair_row, found.pair_col
        gi = rdi[r_idx]
        o, t = block.o[gi], block.t[c_idx]
        parts = {
            "dep": di[gi],
            "wd": wj[c_idx],
            "benefit": block.w_benefit[c_idx] + block.agreement_benefit[o, t],
            "months": found.pair_gap * self.months_per_level,
            "prefs": self.d_pref[gi, t] + self.w_pref[c_idx, o],
        }
        return ChunkScan(
            wj=wj,
            drows=di[rows],
            w_workers=found.w_workers,
            d_workers=found.d_workers,
            w_first=w_first,
            d_rep=d_rep,
            w_lang_gap=found.w_lang_gap,
            w_lang_rep=lang_rep,
            parts=parts,
            eligible_postings=found.postings,
        )


def enumerate_pairs(
    ctx: Context,
    scenario: Scenario,
    *,
    max_class_pairs: int = MAX_CLASS_PAIRS,
) -> Pairs:
    """All eligible class pairs of the round, cadre by cadre, with reason statistics.

    Chunks of a cadre's deposit classes are scanned one by one (`CadreScan.scan`) and merged in
    order.  Raises ``RoundTooLarge`` (``solver.limits``) before anything is evaluated when the
    class pairs to consider exceed ``MAX_CLASS_PAIRS_CONSIDERED``, and as soon as more than
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

    def cadre_scan(cadre: str) -> CadreScan:
        di = np.array(by_cadre_d[cadre], dtype=np.int64)
        wj = np.array(by_cadre_w[cadre], dtype=np.int64)
        d_pref = np.zeros((len(di), len(countries)), dtype=np.int64)
        for r, i in enumerate(di):
            for code in dcls[i].rep.preferred_destinations:
                d_pref[r, countries[code]] = 1
        w_pref = np.zeros((len(wj), len(countries)), dtype=np.int64)
        for r, j in enumerate(wj):
            for code in wcls[j].rep.preferred_origins:
                w_pref[r, countries[code]] = 1
        return CadreScan(
            block=CadreBlock(
                ctx, cadre, [dcls[i].rep for i in di], [wcls[j].rep for j in wj], countries
            ),
            di=di,
            wj=wj,
            dcount=np.array([dcls[i].total for i in di], dtype=np.int64),
            wcount=np.array([wcls[j].total for j in wj], dtype=np.int64),
            dn=np.array([len(dcls[i].ids) for i in di], dtype=np.int64),
            wn=np.array([len(wcls[j].ids) for j in wj], dtype=np.int64),
            d_pref=d_pref,
            w_pref=w_pref,
            months_per_level=scenario.policy.language_months_per_level,
        )

    def scans() -> Iterator[ChunkScan]:
        for cadre in cadres:
            cs = cadre_scan(cadre)
            step = max(1, CHUNK_ENTRIES // max(1, cs.wj.size))
            for start in range(0, cs.di.size, step):
                rows = slice(start, min(cs.di.size, start + step))
                yield cs.scan(rows)

    parts: dict[str, list[IntArray]] = {k: [] for k in ("dep", "wd", "benefit", "months", "prefs")}
    w_best_gap = np.full(nw, NO_GAP, dtype=np.int64)
    class_pairs = 0
    for scan in scans():
        wj, drows = scan.wj, scan.drows
        out.w_workers[wj] += scan.w_workers
        out.d_workers[drows] += scan.d_workers
        held = out.w_rep[wj]
        take = (scan.w_first >= 0) & (held < 0)
        held[take] = scan.w_first[take]
        better = scan.w_lang_gap < w_best_gap[wj]  # `NO_GAP` where the chunk has none
        w_best_gap[wj[better]] = scan.w_lang_gap[better]
        held[better, LANG] = scan.w_lang_rep[better]
        out.w_rep[wj] = held
        out.d_rep[drows] = scan.d_rep  # each deposit class lies in one chunk only
        found = int(scan.parts["dep"].size)
        if found == 0:
            continue
        class_pairs += found
        if class_pairs > max_class_pairs:
            raise RoundTooLarge(
                f"more than {max_class_pairs:,} eligible pairs of posting classes (postings"
                f" alike in every attribute form a class; this round has {nd:,} deposit and"
                f" {nw:,} withdrawal classes), the most the solver takes on; narrow the round"
                " with countries or cadres"
            )
        out.pairs_eligible += scan.eligible_postings
        for k, v in scan.parts.items():
            parts[k].append(v)
    if parts["dep"]:
        order_keys = {k: np.concatenate(v) for k, v in parts.items()}
        # the pairs in (deposit class, withdrawal class) order.  A deposit class's pairs all
        # come from one chunk, in withdrawal-class order (`CadreScan.scan`), so a stable sort
        # by deposit class alone gives lexsort's order: on hard XL's 20.8 M pairs 0.41 s
        # against 2.17 s (docs/benchmarks-solver.md, fourteenth session)
        order = np.argsort(order_keys["dep"], kind="stable")
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
