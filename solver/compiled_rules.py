"""Rules E1-E12 compiled (numba): a block of pairs' first failing rules and reasons in one pass.

`solver.eligibility` states each rule as a small function over one pair, in spec order: the
reference the tests hold this module to.  A round checks every pair of a cadre's classes (about
20 M pairs of classes on a hard round of 20,000 postings, 460 M on one of 100,000), so `_scan`
states the same rules once more, as one compiled loop over a block's arrays.  A pair stops at
its first failing rule, as the spec reads (most fail at the modality or the window), and
nothing is kept per pair but what the caller asks for:

- `scan_block`: for deposit rows x withdrawal columns, the other side's workers per first
  failing code (the explanations' reason statistics), the first counterpart per code and the
  smallest language gap and who has it, added to a cadre's running `ScanStats` (so a cadre's
  rows can be scanned in chunks, in order, with nothing to merge), and the eligible pairs
  with their gaps;
- `block_codes`: every pair's code and language gap, for the tests.

Codes are 1 + the index in `solver.eligibility.CODES`, 0 for an eligible pair.  The compiled
code is cached on disk (numba's ``cache=True``: compiled once per checkout, about 2 s) and
releases the GIL (``nogil``).  Measured on hard L (docs/benchmarks-solver.md, fifteenth
session): 11 ns a pair against 65 ns for the numpy form it replaced, one boolean matrix per
rule.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Int8Matrix = npt.NDArray[np.int8]

CADRE, SAME_COUNTRY, MODALITY, WINDOW, DURATION, EXCLUDED = 1, 2, 3, 4, 5, 6
NO_G2G, NOT_POSITIVE, RECOGNITION, LANGUAGE, BENEFIT, DECLINED = 7, 8, 9, 10, 11, 12
NCODES = 13
"""Codes 0 (eligible) to 12 (DECLINED)."""
NO_GAP = 1 << 40
"""A language gap no pair has: a withdrawal class none of whose counterparts fails on language."""


class DepositSide(NamedTuple):
    """Per deposit class (rows): origin index, facts the rules read."""

    origin: IntArray
    cadre_ok: BoolArray
    relocation: BoolArray  # offers relocation
    remote: BoolArray  # offers remote work
    available_from: IntArray  # month indices
    available_to: IntArray
    max_duration: IntArray  # a large number when unlimited
    excluded: BoolArray  # (rows, countries): excluded destinations
    languages: Int8Matrix  # (rows, languages): CEFR rank held
    required_benefit: IntArray


class WithdrawalSide(NamedTuple):
    """Per withdrawal class (columns): destination index, facts the rules read."""

    destination: IntArray
    cadre_ok: BoolArray
    relocation: BoolArray  # the modality is relocation (else remote)
    start_from: IntArray
    start_to: IntArray
    duration: IntArray
    needs: Int8Matrix  # (columns, languages): CEFR rank required, R(w)
    max_gap: IntArray  # the largest sum of level gaps its training covers
    benefit: IntArray
    recognition: BoolArray  # requires recognition


class CountryFacts(NamedTuple):
    """Per country and per (origin, destination) pair of the block's cadre."""

    listed: BoolArray
    positive: BoolArray  # positive-listed (origin, cadre)
    g2g: BoolArray  # (origin, destination): an active g2g agreement
    recognition: BoolArray  # (origin, destination): an active agreement with recognition
    agreement_benefit: IntArray  # (origin, destination): A*'s benefit, 0 without one
    safeguards_on: bool  # safeguard_mode != "off"
    strict: bool  # safeguard_mode == "strict"


Int32Array = npt.NDArray[np.int32]
Int16Array = npt.NDArray[np.int16]


class ScanStats(NamedTuple):
    """A cadre's reason statistics, rows and columns local to the cadre, filled chunk by chunk.

    - ``w_workers[j, k]`` / ``d_workers[i, k]``: the other side's workers whose pair with j / i
      first fails code k (k = 0: eligible);
    - ``w_first[j, k]`` / ``d_first[i, k]``: the first row / column with code k (-1: none),
      except for LANGUAGE_GAP: ``w_lang_gap[j]`` and ``w_lang_row[j]`` hold the smallest gap
      of a row failing on language with j (`NO_GAP`: none) and the first row with it, and
      ``d_first[i, LANGUAGE]`` the first column with the smallest gap among i's.
    """

    w_workers: IntArray
    d_workers: IntArray
    w_first: IntArray
    d_first: IntArray
    w_lang_gap: IntArray
    w_lang_row: IntArray


def new_stats(rows: int, columns: int) -> ScanStats:
    """Statistics of a cadre of ``rows`` x ``columns`` classes, set to "nothing seen yet"."""
    return ScanStats(
        w_workers=np.zeros((columns, NCODES), dtype=np.int64),
        d_workers=np.zeros((rows, NCODES), dtype=np.int64),
        w_first=np.full((columns, NCODES), -1, dtype=np.int64),
        d_first=np.full((rows, NCODES), -1, dtype=np.int64),
        w_lang_gap=np.full(columns, NO_GAP, dtype=np.int64),
        w_lang_row=np.full(columns, -1, dtype=np.int64),
    )


class ChunkPairs(NamedTuple):
    """The eligible pairs of a chunk of rows x every column, row by row and within a row by
    column: row i's are ``column[row_end[i - 1]:row_end[i]]`` (from 0 for i = 0), with their
    sums of level gaps ``gap``; ``postings``: the pairs of postings they hold."""

    row_end: IntArray
    column: Int32Array
    gap: Int16Array
    postings: int


@njit(cache=True, nogil=True)
def _scan(
    d: DepositSide,
    w: WithdrawalSide,
    c: CountryFacts,
    declined: BoolArray,
    weights: tuple[IntArray, IntArray, IntArray, IntArray],
    stats: ScanStats,
    row0: int,
    pairs: tuple[IntArray, Int32Array, Int16Array],
    codes: Int8Matrix,
    gaps: Int16Array,
) -> tuple[int, int]:
    """The one loop over deposit rows x withdrawal columns: rules E1-E12 in spec order, each
    pair stopping at its first failure, and what `scan_block` says it fills (row i is the
    cadre's row ``row0 + i`` in ``stats``); with ``codes`` and ``gaps`` of shape (rows,
    columns) (else (0, 0)), every pair's code and language gap (-1 where it failed before
    E10) too."""
    # the arrays are taken out of their tuples once: read through the tuples inside the loop,
    # every access costs a reference count (150 ns a pair against 11 ns, measured)
    d_origin, d_cadre_ok, d_relocation, d_remote = d.origin, d.cadre_ok, d.relocation, d.remote
    d_from, d_to, d_max_duration = d.available_from, d.available_to, d.max_duration
    d_excluded, d_languages, d_required = d.excluded, d.languages, d.required_benefit
    w_destination, w_cadre_ok, w_relocation = w.destination, w.cadre_ok, w.relocation
    w_start_from, w_start_to, w_duration = w.start_from, w.start_to, w.duration
    w_needs, w_max_gap, w_benefit, w_recognition = w.needs, w.max_gap, w.benefit, w.recognition
    listed, positive, g2g, recognition = c.listed, c.positive, c.g2g, c.recognition
    agreement_benefit, safeguards_on, strict = c.agreement_benefit, c.safeguards_on, c.strict
    d_weight, w_weight, d_postings, w_postings = weights
    w_workers, d_workers = stats.w_workers, stats.d_workers
    w_first, d_first = stats.w_first, stats.d_first
    w_lang_gap, w_lang_row = stats.w_lang_gap, stats.w_lang_row
    row_end, pair_col, pair_gap = pairs
    any_declined = declined.shape[0] > 0
    write_codes = codes.shape[0] > 0
    n, m, languages = d_origin.shape[0], w_destination.shape[0], w_needs.shape[1]
    found = 0
    postings = 0
    for i in range(n):
        r = row0 + i  # the cadre's row, in the statistics
        best_gap = NO_GAP
        best_col = -1
        o = d_origin[i]
        for j in range(m):
            t = w_destination[j]
            relocation = w_relocation[j]
            guarded = relocation and listed[o]
            gap = -1
            if not (d_cadre_ok[i] and w_cadre_ok[j]):
                code = CADRE  # E1
            elif o == t:
                code = SAME_COUNTRY  # E2
            elif not (d_relocation[i] if relocation else d_remote[i]):
                code = MODALITY  # E3
            elif d_from[i] > w_start_to[j] or w_start_from[j] > d_to[i]:
                code = WINDOW  # E4
            elif w_duration[j] > d_max_duration[i]:
                code = DURATION  # E5
            elif d_excluded[i, t]:
                code = EXCLUDED  # E6
            elif guarded and safeguards_on and not g2g[o, t]:
                code = NO_G2G  # E7
            elif guarded and strict and not positive[o]:
                code = NOT_POSITIVE  # E8
            elif relocation and w_recognition[j] and not recognition[o, t]:
                code = RECOGNITION  # E9
            else:
                gap = 0
                for k in range(languages):
                    missing = int(w_needs[j, k]) - int(d_languages[i, k])
                    if missing > 0:
                        gap += missing
                if gap > w_max_gap[j]:
                    code = LANGUAGE  # E10
                elif w_benefit[j] + agreement_benefit[o, t] < d_required[i]:
                    code = BENEFIT  # E11
                elif any_declined and declined[i, j]:
                    code = DECLINED  # E12
                else:
                    code = 0
            if write_codes:
                codes[i, j] = code
                gaps[i, j] = gap
            w_workers[j, code] += d_weight[i]
            d_workers[r, code] += w_weight[j]
            if code == LANGUAGE:
                if gap < w_lang_gap[j]:  # strictly: an earlier chunk's row keeps a tie
                    w_lang_gap[j] = gap
                    w_lang_row[j] = r
                if gap < best_gap:
                    best_gap = gap
                    best_col = j
                continue
            if w_first[j, code] < 0:
                w_first[j, code] = r
            if d_first[r, code] < 0:
                d_first[r, code] = j
            if code == 0:
                pair_col[found] = j
                pair_gap[found] = gap
                found += 1
                postings += d_postings[i] * w_postings[j]
        row_end[i] = found
        if best_col >= 0:
            d_first[r, LANGUAGE] = best_col
    return found, postings


def _pair_buffers(n: int, m: int) -> tuple[IntArray, Int32Array, Int16Array]:
    """Room for every pair of n rows x m columns: pages never written are never committed."""
    return (
        np.empty(n, dtype=np.int64),
        np.empty(n * m, dtype=np.int32),
        np.empty(n * m, dtype=np.int16),
    )


def scan_block(
    d: DepositSide,
    w: WithdrawalSide,
    c: CountryFacts,
    declined: BoolArray,
    weights: tuple[IntArray, IntArray, IntArray, IntArray],
    stats: ScanStats,
    row0: int = 0,
) -> ChunkPairs:
    """The eligible pairs of rows x columns, their reason statistics added to ``stats``, in
    one compiled pass.

    The rows are the cadre's rows ``row0`` onwards in ``stats``; a cadre scanned in chunks
    must be scanned in row order, so that the first row of each code stays the first.
    ``declined`` is (rows, columns), or (0, 0) when no pair is declined; ``weights`` are the
    workers and the postings of each row and each column: (d workers, w workers, d postings,
    w postings)."""
    n, m = d.origin.shape[0], w.destination.shape[0]
    row_end, column, gap = _pair_buffers(n, m)
    none = np.zeros((0, 0), dtype=np.int8)
    found, postings = _scan(
        d, w, c, declined, weights, stats, row0, (row_end, column, gap), none,
        none.astype(np.int16),
    )  # fmt: skip
    # copies: the buffers' untouched room is released with them
    return ChunkPairs(row_end, column[:found].copy(), gap[:found].copy(), int(postings))


def block_codes(
    d: DepositSide, w: WithdrawalSide, c: CountryFacts, declined: BoolArray
) -> tuple[Int8Matrix, Int16Array]:
    """Every pair's code and language gap (-1 where the pair failed before E10)."""
    n, m = d.origin.shape[0], w.destination.shape[0]
    codes = np.zeros((n, m), dtype=np.int8)
    gaps = np.full((n, m), -1, dtype=np.int16)
    ones = np.ones(n, dtype=np.int64), np.ones(m, dtype=np.int64)
    _scan(d, w, c, declined, (*ones, *ones), new_stats(n, m), 0, _pair_buffers(n, m), codes, gaps)
    return codes, gaps
