"""Aggregation: interchangeable postings merged into classes, eligible class pairs enumerated.

Two deposits with the same attributes (all but id and count) are interchangeable for every rule,
constraint and objective tier, and so are two such withdrawals; each group becomes a class whose
capacity is the sum of counts and whose postings are filled in id order when the solution is
disaggregated.  Eligibility is then evaluated class against class, cadre by cadre, by the
compiled rules of `solver.compiled_rules` in row chunks (bounded memory), which also yield the
per-class reason counts used by the explanations; `solver.compiled_pairs` then writes the
eligible pairs cadre by cadre, each cadre's in (deposit class, withdrawal class) order.  Both
loops release the GIL, so two threads share the work: runs of chunks (a large cadre is cut
into two, each run with statistics of its own on the columns' side, folded in in row order),
then the chunks' writes, each into places of its own.  On hard XL the enumeration took 3.8 s
against 7.0 s in one thread (docs/benchmarks-solver.md, thirtieth session).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from solver.compiled_pairs import (
    AmountArray,
    ChunkFacts,
    ClassArray,
    PairArrays,
    PrefArray,
    amount_type,
    class_type,
    offsets,
    place_chunk,
)
from solver.compiled_rules import (
    NCODES,
    ChunkPairs,
    CountryFacts,
    ScanStats,
    WithdrawalSide,
    new_stats,
    scan_block,
)
from solver.compiled_values import Flows
from solver.eligibility import CODE_INDEX, CadreBlock, Context
from solver.limits import MAX_CLASS_PAIRS, MAX_CLASS_PAIRS_CONSIDERED, RoundTooLarge
from solver.schema import Deposit, Scenario, Withdrawal
from solver.threads import THREADS, each

P = TypeVar("P", Deposit, Withdrawal)
LANG = CODE_INDEX["LANGUAGE_GAP"]
CHUNK_ENTRIES = 2_000_000
RUN_ENTRIES = 8_000_000
"""Pairs of classes to check above which a cadre's chunks are cut into `solver.threads.THREADS`
runs scanned at once (`CadreScan.runs`); below, a cadre is one run.  On hard XL one cadre of
eight holds two thirds of the pairs to check."""

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
    dep: ClassArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    wd: ClassArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    benefit: AmountArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    months: AmountArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    prefs: PrefArray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
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
class CadreScan:
    """A cadre's block, the per-class facts its chunks read, and its running statistics."""

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
    stats: ScanStats = field(init=False)

    def __post_init__(self) -> None:
        self.withdrawal_side = self.block.withdrawal_side()
        self.country_facts = self.block.country_facts()
        self.stats = new_stats(self.di.size, self.wj.size)

    def scan(self, rows: slice, stats: ScanStats) -> ChunkPairs:
        """Eligibility of deposit classes ``rows`` x every withdrawal class of the cadre: the
        eligible pairs, and the reason statistics added to ``stats`` (`stats` or a later
        run's, chunks in row order), in one compiled pass (`solver.compiled_rules.scan_block`)."""
        block = self.block
        return scan_block(
            block.deposit_side(rows),
            self.withdrawal_side,
            self.country_facts,
            block.declined_matrix(rows),
            (self.dcount[rows], self.wcount, self.dn[rows], self.wn),
            stats,
            rows.start,
        )

    def runs(self, step: int, entries: int) -> list[tuple[range, ScanStats]]:
        """The cadre's chunks' first rows (``step`` rows a chunk) cut into `THREADS` runs
        when it has more than ``entries`` pairs to check, else one; the first run fills
        `stats`, each later one statistics of its own on the columns' side (`later_stats`),
        to be folded in after it (`fold_in`)."""
        starts = range(0, self.di.size, step)
        runs = THREADS if self.di.size * self.wj.size > entries else 1
        runs = max(1, min(runs, len(starts)))
        cuts = [len(starts) * k // runs for k in range(runs + 1)]
        return [
            (starts[cuts[k] : cuts[k + 1]], self.stats if k == 0 else self.later_stats())
            for k in range(runs)
        ]

    def later_stats(self) -> ScanStats:
        """Statistics for a later run of the cadre's rows: the rows' arrays shared (each run
        has rows of its own), the columns' its own, as if nothing were seen yet."""
        fresh = new_stats(0, self.wj.size)
        return fresh._replace(d_workers=self.stats.d_workers, d_first=self.stats.d_first)

    def fold_in(self, later: ScanStats) -> None:
        """A later run's column statistics into `stats`, as if its rows had been scanned
        after the earlier runs': counts added, the first row of each code and the smallest
        language gap's first row kept from the earlier runs where they have one."""
        st = self.stats
        st.w_workers[:] += later.w_workers
        np.copyto(st.w_first, later.w_first, where=st.w_first < 0)
        smaller = later.w_lang_gap < st.w_lang_gap
        st.w_lang_gap[smaller] = later.w_lang_gap[smaller]
        st.w_lang_row[smaller] = later.w_lang_row[smaller]

    def chunk_facts(self, rows: slice) -> ChunkFacts:
        """What the pairs of deposit classes ``rows`` take their fields from."""
        block = self.block
        return ChunkFacts(
            dep=self.di[rows],
            origin=block.o[rows],
            d_pref=self.d_pref[rows],
            wd=self.wj,
            destination=block.t,
            w_benefit=block.w_benefit,
            w_pref=self.w_pref,
            agreement_benefit=block.agreement_benefit,
            months_per_level=self.months_per_level,
        )

    def record_statistics(self, out: Pairs) -> None:
        """The cadre's statistics into the round's, its rows and columns as global classes
        (each class belongs to one cadre)."""
        st, di, wj = self.stats, self.di, self.wj
        w_rep = np.where(st.w_first >= 0, di[np.maximum(st.w_first, 0)], -1)
        w_rep[:, LANG] = np.where(st.w_lang_row >= 0, di[np.maximum(st.w_lang_row, 0)], -1)
        out.w_workers[wj] = st.w_workers
        out.w_rep[wj] = w_rep
        out.d_workers[di] = st.d_workers
        out.d_rep[di] = np.where(st.d_first >= 0, wj[np.maximum(st.d_first, 0)], -1)


def cadre_scan(
    ctx: Context,
    scenario: Scenario,
    deposits: list[PostingClass[Deposit]],
    withdrawals: list[PostingClass[Withdrawal]],
    countries: dict[str, int],
    cadre: str,
    of_cadre: tuple[list[int], list[int]],
) -> CadreScan:
    """The scan of one cadre's class pairs: its deposit and withdrawal classes (``of_cadre``,
    their places in the round's ``deposits`` and ``withdrawals``, in class order), their
    eligibility block (`solver.eligibility.CadreBlock`), worker and posting counts, and
    preferred countries."""
    di = np.array(of_cadre[0], dtype=np.int64)
    wj = np.array(of_cadre[1], dtype=np.int64)
    d_pref = np.zeros((len(di), len(countries)), dtype=np.int64)
    for r, i in enumerate(di):
        for code in deposits[i].rep.preferred_destinations:
            d_pref[r, countries[code]] = 1
    w_pref = np.zeros((len(wj), len(countries)), dtype=np.int64)
    for r, j in enumerate(wj):
        for code in withdrawals[j].rep.preferred_origins:
            w_pref[r, countries[code]] = 1
    return CadreScan(
        block=CadreBlock(
            ctx, cadre, [deposits[i].rep for i in di], [withdrawals[j].rep for j in wj], countries
        ),
        di=di,
        wj=wj,
        dcount=np.array([deposits[i].total for i in di], dtype=np.int64),
        wcount=np.array([withdrawals[j].total for j in wj], dtype=np.int64),
        dn=np.array([len(deposits[i].ids) for i in di], dtype=np.int64),
        wn=np.array([len(withdrawals[j].ids) for j in wj], dtype=np.int64),
        d_pref=d_pref,
        w_pref=w_pref,
        months_per_level=scenario.policy.language_months_per_level,
    )


def enumerate_pairs(
    ctx: Context,
    scenario: Scenario,
    *,
    max_class_pairs: int = MAX_CLASS_PAIRS,
) -> Pairs:
    """All eligible class pairs of the round, cadre by cadre, with reason statistics.

    Runs of chunks of a cadre's deposit classes are scanned (`CadreScan.scan`), each run's
    chunks in order, `THREADS` runs at once; then every chunk's pairs are written in
    place (`solver.compiled_pairs`).  Raises ``RoundTooLarge``
    (``solver.limits``) before anything is evaluated when the class pairs to consider exceed
    ``MAX_CLASS_PAIRS_CONSIDERED``, and as soon as more than
    ``max_class_pairs`` are eligible.
    """
    dcls = merge(list(scenario.deposits), frozenset(d for d, _ in ctx.excluded))
    wcls = merge(list(scenario.withdrawals), frozenset(w for _, w in ctx.excluded))
    out = _no_pairs_yet(dcls, wcls, len(scenario.deposits) * len(scenario.withdrawals))
    of_cadre = _classes_by_cadre(dcls, wcls)
    _check_considered(of_cadre, len(dcls), len(wcls))
    countries = {c.code: i for i, c in enumerate(scenario.countries)}
    scans = [
        cadre_scan(ctx, scenario, dcls, wcls, countries, cadre, classes)
        for cadre, classes in of_cadre.items()
    ]
    chunks = _gathered(_scanned(scans, max_class_pairs, len(dcls), len(wcls)), out)
    for cs in scans:
        cs.record_statistics(out)
    _write_pairs(out, scans, chunks, scenario.policy.language_months_per_level)
    return out


ScanJob = tuple[CadreScan, range, ScanStats, int]
"""A run of a cadre's chunks: the cadre, its chunks' first rows, the statistics it fills and
its rows a chunk."""
Chunk = tuple[CadreScan, slice, ChunkPairs]
"""A chunk's eligible pairs, found and kept (compact) until every class's count, and so its
place in the arrays, is known (`solver.compiled_pairs`)."""


def _no_pairs_yet(
    dcls: list[PostingClass[Deposit]], wcls: list[PostingClass[Withdrawal]], considered: int
) -> Pairs:
    """The round's `Pairs` before any scan: its classes, and statistics to be filled."""
    nd, nw = len(dcls), len(wcls)
    out = Pairs(deposits=dcls, withdrawals=wcls)
    out.w_workers = np.zeros((nw, NCODES), dtype=np.int64)
    out.w_rep = np.full((nw, NCODES), -1, dtype=np.int64)
    out.d_workers = np.zeros((nd, NCODES), dtype=np.int64)
    out.d_rep = np.full((nd, NCODES), -1, dtype=np.int64)
    out.pairs_considered = considered
    return out


def _classes_by_cadre(
    dcls: list[PostingClass[Deposit]], wcls: list[PostingClass[Withdrawal]]
) -> dict[str, tuple[list[int], list[int]]]:
    """Each cadre with classes on both sides (in cadre order): its deposit and withdrawal
    classes, in class order."""
    by_cadre_d: dict[str, list[int]] = {}
    by_cadre_w: dict[str, list[int]] = {}
    for i, dc in enumerate(dcls):
        by_cadre_d.setdefault(dc.rep.cadre, []).append(i)
    for j, wc in enumerate(wcls):
        by_cadre_w.setdefault(wc.rep.cadre, []).append(j)
    return {c: (by_cadre_d[c], by_cadre_w[c]) for c in sorted(set(by_cadre_d) & set(by_cadre_w))}


def _check_considered(of_cadre: dict[str, tuple[list[int], list[int]]], nd: int, nw: int) -> None:
    """``RoundTooLarge`` when more class pairs of the same cadre are to be checked than
    ``MAX_CLASS_PAIRS_CONSIDERED``, before any is."""
    considered = sum(len(d) * len(w) for d, w in of_cadre.values())
    if considered > MAX_CLASS_PAIRS_CONSIDERED:
        raise RoundTooLarge.past(
            f"{considered:,} pairs of posting classes of the same cadre to check, more than"
            f" the {MAX_CLASS_PAIRS_CONSIDERED:,} the solver takes on",
            nd,
            nw,
        )


def _scanned(
    scans: list[CadreScan], max_class_pairs: int, nd: int, nw: int
) -> list[tuple[ScanJob, list[tuple[slice, ChunkPairs]]]]:
    """Every cadre's runs of chunks scanned, `THREADS` runs at once, each with the chunks it
    found pairs in; ``RoundTooLarge`` as soon as more than ``max_class_pairs`` are found."""
    found_so_far = [0]  # over the runs being scanned at once
    lock = threading.Lock()
    too_many = threading.Event()

    def scan_run(job: ScanJob) -> list[tuple[slice, ChunkPairs]]:
        """A run of a cadre's chunks, in row order (its statistics need that order; cadres
        and runs with statistics of their own are independent, so two are scanned at once)."""
        cs, starts, stats, step = job
        found_chunks: list[tuple[slice, ChunkPairs]] = []
        for start in starts:
            if too_many.is_set():
                break
            rows = slice(start, min(cs.di.size, start + step))
            found = cs.scan(rows, stats)
            if found.column.size == 0:
                continue
            with lock:
                found_so_far[0] += found.column.size
                if found_so_far[0] > max_class_pairs:
                    too_many.set()
            found_chunks.append((rows, found))
        return found_chunks

    jobs: list[ScanJob] = []
    for cs in scans:
        step = max(1, CHUNK_ENTRIES // max(1, cs.wj.size))
        jobs.extend((cs, starts, stats, step) for starts, stats in cs.runs(step, RUN_ENTRIES))
    scanned = each(scan_run, jobs)
    if too_many.is_set():
        raise RoundTooLarge.past(
            f"more than {max_class_pairs:,} eligible pairs of posting classes, the most the"
            " solver takes on",
            nd,
            nw,
        )
    return list(zip(jobs, scanned, strict=True))


def _gathered(
    scanned: list[tuple[ScanJob, list[tuple[slice, ChunkPairs]]]], out: Pairs
) -> list[Chunk]:
    """The runs' chunks in order, each later run's statistics folded into its cadre's, and
    the eligible postings' pairs counted into ``out``."""
    chunks: list[Chunk] = []
    for (cs, _, stats, _), found_chunks in scanned:
        if stats is not cs.stats:
            cs.fold_in(stats)  # after the cadre's earlier runs, which come first
        for rows, found in found_chunks:
            out.pairs_eligible += found.postings
            chunks.append((cs, rows, found))
    return chunks


def _write_pairs(
    out: Pairs, scans: list[CadreScan], chunks: list[Chunk], months_per_level: int
) -> None:
    """Every chunk's pairs written in place into ``out``'s arrays, on `THREADS` threads.

    Cadre by cadre (each cadre's deposit classes in class order): an LP's blocks, a cadre
    each (solver.blocks), are then ranges of its columns, read in place."""
    counts = np.zeros(len(out.deposits), dtype=np.int64)
    for cs, rows, found in chunks:
        counts[cs.di[rows]] = np.diff(found.row_end, prepend=0)
    class_pairs = sum(found.column.size for _, _, found in chunks)
    arrays = empty_pair_arrays(out, chunks, class_pairs, months_per_level)
    layout = [cs.di for cs in scans]
    start_of = offsets(counts, np.concatenate([np.zeros(0, dtype=np.int64), *layout]))

    def place(chunk: Chunk) -> None:
        """A chunk's pairs written into their places (each chunk's places are its own)."""
        cs, rows, found = chunk
        place_chunk(cs.chunk_facts(rows), found.row_end, found.column, found.gap, start_of, arrays)

    each(place, chunks)
    out.dep, out.wd, out.benefit, out.months, out.prefs = arrays


def empty_pair_arrays(
    out: Pairs,
    chunks: list[Chunk],
    class_pairs: int,
    months_per_level: int,
) -> PairArrays:
    """The class pairs' arrays, to be written in place (`solver.compiled_pairs.place_chunk`),
    each in the smallest type that holds its values (`class_type`, `amount_type`): the
    largest benefit and training months the scanned chunks can reach set those of the
    amounts."""
    top_benefit = max(
        (
            int(cs.block.w_benefit.max()) + int(cs.block.agreement_benefit.max())
            for cs, _, _ in chunks
        ),
        default=0,
    )
    top_gap = max((int(found.gap.max()) for _, _, found in chunks), default=0)
    return PairArrays(
        dep=np.empty(class_pairs, dtype=class_type(len(out.deposits))),
        wd=np.empty(class_pairs, dtype=class_type(len(out.withdrawals))),
        benefit=np.empty(class_pairs, dtype=amount_type(top_benefit)),
        months=np.empty(class_pairs, dtype=amount_type(top_gap * months_per_level)),
        prefs=np.empty(class_pairs, dtype=np.int8),
    )


def disaggregate(pairs: Pairs, x: Flows) -> list[tuple[str, str, int, int]]:
    """Class-pair flows to posting flows (deposit id, withdrawal id, pair index, count).

    Deterministic: pairs in their order (each cadre's in (deposit class, withdrawal class)
    order; a class is of one cadre), each filling the members of both classes in id order.
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
