"""The constraints of a round (MATCHING.md section 3), one builder per rule, as sparse rows.

The model's columns are the eligible class pairs (`solver.classes`), then one binary per C4
group, then ``z`` (tier 2's minimum fill).  Each builder appends its rows to a `Rows` accumulator
from numpy index arrays, never one coefficient at a time:

- `c1_capacity`: a class's pairs place at most its capacity (rows only where a cap can bind);
- `c2_agreement_quota`: relocation flow of (origin, destination, cadre) within the tightest quota
  net of ``quota_used`` (section 7);
- `c3_depletion_cap`: relocation flow out of (origin, cadre) within floor(s x S) net of
  ``relocated_recently``;
- `c4_pair_minimum_benefit`: per (origin, destination) with pairs below the minimum, a binary
  ``y``: flow <= big y and benefit >= P y (no flow, or at least P); `c4_perspective`, each of
  its pairs within its bound times y, for tier 1's MIP;
- `min_fill`: tier 2's rows ``1000 filled(t) - requested(t) z >= 0`` per servable destination.

`side_groups` says which pairs each C2-C4 row sums (the explanations read the same groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from solver.classes import Pairs
from solver.compiled_groups import group_members, member_lists
from solver.compiled_layout import ColumnArray, Values, csc_of, exact_type
from solver.compiled_pairs import AmountArray, ClassArray
from solver.eligibility import Context

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
INF = float("inf")


MemberArray = npt.NDArray[np.int32]
"""The class pairs a side group sums: a round's groups hold about one entry a pair."""


@dataclass
class Group:
    """A side-constraint row: which pairs it sums and its cap (C2, C3) or minimum (C4)."""

    code: str
    key: tuple[str, ...]
    pairs: MemberArray
    cap: int
    label: str = ""
    limit: int | None = None
    """The quota or depletion cap before earlier rounds' usage (``cap`` is net of ``used``)."""
    used: int = 0
    """Placements earlier rounds already count against it (MATCHING.md section 7)."""


@dataclass
class Rows:
    """Sparse rows ``lo <= sum(values x[indices]) <= hi`` accumulated in order, one at a time
    (`add`) or many at once (`add_many`), then laid out by columns (`matrix`).

    Column indices are held as int32 and rows whose coefficients are all alike as one number:
    hard XL's rows hold 82 M entries until the matrix is laid out."""

    pieces: list[tuple[IntArray, ColumnArray, Values | float]] = field(default_factory=list)
    bounds: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        indices: npt.NDArray[np.integer[Any]],
        values: Values | float,
        lo: float,
        hi: float,
    ) -> int:
        """Append one row; returns its index."""
        size = np.array([indices.size], dtype=np.int64)
        return self.add_many(size, indices, values, np.array([lo]), np.array([hi]))

    def add_many(
        self,
        lengths: IntArray,
        indices: npt.NDArray[np.integer[Any]],
        values: Values | float,
        lo: FloatArray,
        hi: FloatArray,
    ) -> int:
        """Append ``lengths.size`` rows whose entries follow each other in ``indices`` and
        ``values`` (one number: every entry's); returns the first one's index."""
        first = self.count
        if indices.size and not 0 <= int(indices.min()) <= int(indices.max()) < 2**31 - 1:
            raise ValueError("a column index outside int32's range")
        if not isinstance(values, float):
            values = np.asarray(values)
            if values.dtype != np.float32:  # float32: exact values the caller chose to compact
                values = values.astype(np.float64, copy=False)
        # the indices as given when int32 already (a group's members, held by the model
        # anyway): a copy of each was held through the layout, where the build peaks
        self.pieces.append((lengths.astype(np.int64), indices.astype(np.int32, copy=False), values))
        self.bounds.append((lo.astype(np.float64), hi.astype(np.float64)))
        self.count += int(lengths.size)
        return first

    def __len__(self) -> int:
        return self.count

    @property
    def lo(self) -> FloatArray:
        return np.concatenate([lo for lo, _ in self.bounds]) if self.bounds else np.zeros(0)

    @property
    def hi(self) -> FloatArray:
        return np.concatenate([hi for _, hi in self.bounds]) if self.bounds else np.zeros(0)

    def matrix(self, ncols: int) -> sp.csc_matrix:
        """The rows over ``ncols`` columns, by columns (`solver.backends.LinearModel`), laid
        out in place (`solver.compiled_layout`)."""
        return csc_of(self.pieces, self.count, ncols)


SmallArray = npt.NDArray[np.signedinteger[Any]]
"""Per-pair indices into a round's countries or cadres, and priorities (1-5): int8 when both
lists have at most 127 entries (every real round: ISO's 249 countries are never all in one),
else int16."""


@dataclass
class PairAttributes:
    """Per-pair facts the constraints group on (parallel to `Pairs`), as index arrays.

    Compact (int8: 5 bytes a class pair against 33 as int64; int16 beyond 127 countries or
    cadres): a class-pair round holds them for as long as it is solved, over tens of millions
    of pairs at XL.  Arithmetic on them that may leave their range widens first
    (`side_groups`)."""

    origin: SmallArray  # index into countries
    dest: SmallArray
    cadre: SmallArray  # index into cadres
    reloc: BoolArray
    priority: SmallArray  # 1-5 (MATCHING.md)
    countries: list[str]
    cadres: list[str]

    def for_tiers(self) -> TierAttributes:
        """What the tiers read once the rows are built (the priorities and destinations)."""
        return TierAttributes(dest=self.dest, priority=self.priority, countries=self.countries)


@dataclass
class TierAttributes:
    """The per-pair facts a round reads while its tiers are solved: tier 1's priorities and
    tier 2's destinations.  The origins, cadres and modalities only group the side rows, so
    the model lets them go once built (3 bytes a class pair, 62 MB on hard XL's 20.8 M)."""

    dest: SmallArray
    priority: SmallArray
    countries: list[str]


def pair_attributes(ctx: Context, pairs: Pairs) -> PairAttributes:
    countries = [c.code for c in ctx.scenario.countries]
    cix = {c: i for i, c in enumerate(countries)}
    cadres = sorted(
        {c.rep.cadre for c in pairs.deposits} | {c.rep.cadre for c in pairs.withdrawals}
    )
    kix = {c: i for i, c in enumerate(cadres)}
    assert max(len(countries), len(cadres)) < 2**15, "int16 indices"
    small = np.int8 if max(len(countries), len(cadres)) <= np.iinfo(np.int8).max else np.int16
    none: SmallArray = np.zeros(0, dtype=small)
    d_country: SmallArray = np.array([cix[c.rep.country] for c in pairs.deposits], dtype=small)
    wreps = [c.rep for c in pairs.withdrawals]
    w_country: SmallArray = np.array([cix[w.country] for w in wreps], dtype=small)
    w_cadre: SmallArray = np.array([kix[w.cadre] for w in wreps], dtype=small)
    w_reloc = np.array([w.modality == "relocation" for w in wreps], dtype=bool)
    w_prio: SmallArray = np.array([w.priority for w in wreps], dtype=small)
    return PairAttributes(
        origin=d_country[pairs.dep] if d_country.size else none,
        dest=w_country[pairs.wd] if w_country.size else none,
        cadre=w_cadre[pairs.wd] if w_cadre.size else none,
        reloc=w_reloc[pairs.wd] if w_reloc.size else np.zeros(0, dtype=bool),
        priority=w_prio[pairs.wd] if w_prio.size else none,
        countries=countries,
        cadres=cadres,
    )


def groups_by(
    parts: tuple[SmallArray, ...],
    radices: tuple[int, ...],
    keys: list[int],
    mask: BoolArray | None = None,
) -> list[MemberArray]:
    """The members of the pairs whose key (``parts`` read as digits of ``radices``, as
    `solver.compiled_groups` reads them; the first radix is the first part's range) is
    ``keys[g]``, for each g, in increasing order; pairs ``mask`` marks False in none."""
    size = 1
    for r in radices:
        size *= r
    table = np.full(size, -1, dtype=np.int32)
    table[np.array(keys, dtype=np.int64)] = np.arange(len(keys), dtype=np.int32)
    return member_lists(parts, radices, table, mask)


def side_groups(ctx: Context, pairs: Pairs, attrs: PairAttributes) -> list[Group]:
    """C2 quota rows, C3 depletion rows and C4 pair-minimum groups over eligible pairs, each
    sorted by its names; a group no pair belongs to is left out.  The C2 and C3 groups are
    views of one array each, which holds their members and nothing else (a pair is in one
    such group at most, and every group with a member is kept)."""
    nt, nk = len(attrs.countries), max(1, len(attrs.cadres))
    cix = {c: i for i, c in enumerate(attrs.countries)}
    kix = {c: i for i, c in enumerate(attrs.cadres)}
    o, t, c = attrs.origin, attrs.dest, attrs.cadre
    groups: list[Group] = []
    # the tightest headroom (quota net of quota_used) among the agreements capping (o, t, c)
    quota: dict[tuple[str, str, str], tuple[int, str, int, int]] = {}
    for (orig, dest), agreements in sorted(ctx.active.items()):
        for a in sorted(agreements, key=lambda a: a.id):
            for cad, q in sorted(a.quotas.items()):
                key = (orig, dest, cad)
                room = ctx.quota_headroom(a, cad)
                assert room is not None
                if key not in quota or room < quota[key][0]:
                    quota[key] = (room, a.id, q, a.quota_used.get(cad, 0))
    capped = [
        (key, held)
        for key, held in sorted(quota.items())
        if key[0] in cix and key[1] in cix and key[2] in kix
    ]
    otc = [(cix[orig] * nt + cix[dest]) * nk + kix[cad] for (orig, dest, cad), _ in capped]
    for (key, (room, aid, q, used)), members in zip(
        capped, groups_by((o, t, c), (nt, nt, nk), otc, attrs.reloc), strict=True
    ):
        if members.size:
            groups.append(Group("AGREEMENT_QUOTA", (*key, aid), members, room, aid, q, used))
    depleted = [
        (orig, cad)
        for orig in sorted(cix)
        for cad in attrs.cadres
        if ctx.depletion_headroom(orig, cad) is not None
    ]
    oc = [cix[orig] * nk + kix[cad] for orig, cad in depleted]
    for (orig, cad), members in zip(
        depleted, groups_by((o, c), (nt, nk), oc, attrs.reloc), strict=True
    ):
        if members.size:
            room = ctx.depletion_headroom(orig, cad)
            assert room is not None
            limit = ctx.depletion_cap(orig, cad)
            used = ctx.relocated_recently.get((orig, cad), 0)
            groups.append(Group("DEPLETION_CAP", (orig, cad), members, room, "", limit, used))
    minimum = ctx.scenario.policy.pair_minimum_benefit_usd
    if minimum > 0:
        routes = [(orig, dest) for orig in sorted(cix) for dest in sorted(cix)]
        ot = [cix[orig] * nt + cix[dest] for orig, dest in routes]
        for route, members in zip(routes, groups_by((o, t), (nt, nt), ot), strict=True):
            if members.size and (pairs.benefit[members] < minimum).any():
                # a copy: the routes left out share the view's array, every pair of the round
                groups.append(Group("PAIR_MINIMUM_BENEFIT", route, members.copy(), minimum))
    return groups


# ------------------------------------------------------------------ one builder per rule


def c1_capacity(
    rows: Rows, dep: ClassArray, wd: ClassArray, dcap: IntArray, wcap: IntArray
) -> None:
    """C1: per deposit and per withdrawal class used by more than one pair, flow <= capacity.

    A class with a single pair needs no row: that pair's upper bound is already
    min(deposit capacity, withdrawal capacity).  The rows come in class order, each over its
    pairs in increasing order, all at once (hard XL has 100,000 of them).
    """
    for index, caps in ((dep, dcap), (wd, wcap)):
        pairs_of = np.bincount(index, minlength=caps.size)
        classes = np.flatnonzero(pairs_of > 1)
        table = np.full(caps.size, -1, dtype=np.int32)
        table[classes] = np.arange(classes.size, dtype=np.int32)
        members, _ = group_members((index,), (caps.size,), table)
        rows.add_many(
            pairs_of[classes],
            members,
            1.0,
            np.full(classes.size, -INF),
            caps[classes].astype(np.float64),
        )


def _cap_rows(rows: Rows, groups: list[Group], code: str, ub: FloatArray) -> None:
    for g in groups:
        if g.code == code and g.cap < ub[g.pairs].sum():
            rows.add(g.pairs, 1.0, -INF, float(g.cap))


def c2_agreement_quota(rows: Rows, groups: list[Group], ub: FloatArray) -> None:
    """C2: relocation flow of (o, t, c) <= the tightest net quota (rows only where it can bind)."""
    _cap_rows(rows, groups, "AGREEMENT_QUOTA", ub)


def c3_depletion_cap(rows: Rows, groups: list[Group], ub: FloatArray) -> None:
    """C3: relocation flow out of (o, c) <= the net depletion cap (rows only where it can bind)."""
    _cap_rows(rows, groups, "DEPLETION_CAP", ub)


def c4_pair_minimum_benefit(
    rows: Rows,
    groups: list[Group],
    first_y: int,
    ub: FloatArray,
    benefit: AmountArray,
    total_cap: int,
) -> None:
    """C4: for group k with binary column ``first_y + k``: flow <= big y, benefit >= P y."""
    for k, g in enumerate(groups):
        y = np.array([first_y + k], dtype=np.int64)
        big = float(min(ub[g.pairs].sum(), total_cap))
        members = np.concatenate([g.pairs, y])
        rows.add(members, np.concatenate([np.ones(g.pairs.size), [-big]]), -INF, 0.0)
        ben = benefit[g.pairs].astype(np.float64)
        rows.add(members, np.concatenate([ben, [-float(g.cap)]]), 0.0, INF)


def c4_perspective(rows: Rows, groups: list[Group], first_y: int, ub: FloatArray) -> None:
    """C4 tightened: each pair of group k within its bound times the group's binary
    (``x <= ub y``, column ``first_y + k``), rows the integer points all satisfy already.

    With `c4_pair_minimum_benefit`'s benefit row they are the convex hull of a route's two
    states (closed, or open with at least P), where its flow row alone lets an LP open a route
    by the share of its big-M that its benefit pays for.  Measured on hard M with minimums of
    20,000 and 50,000 USD, seeds 0-7: tier 1's MIP was proven 1.4-5.9x faster with them on 10
    of 12 (seed 2 at 50,000: 20.5 s to 3.5 s), slower on one, and within the limit on the
    last, but tier 2's took 1.7-6.2x longer at 20,000.  So tier 1's MIP alone is given them
    (`solver.model.RoundModel.mip_model`): the rounds at 20,000 took 17 % less in all
    (docs/benchmarks-solver.md, thirty-sixth session)."""
    if not groups:
        return
    pairs = np.concatenate([g.pairs for g in groups]).astype(np.int64)
    ys = np.repeat(first_y + np.arange(len(groups)), [g.pairs.size for g in groups])
    rows.add_many(
        np.full(pairs.size, 2, dtype=np.int64),
        np.column_stack([pairs, ys]).ravel(),
        np.column_stack([np.ones(pairs.size), -ub[pairs]]).ravel(),
        np.full(pairs.size, -INF),
        np.zeros(pairs.size),
    )


def min_fill(rows: Rows, by_dest: list[tuple[MemberArray, int]], z: int) -> tuple[int, list[int]]:
    """Tier 2: ``1000 filled(t) - requested(t) z >= 0`` per servable destination t.

    ``by_dest`` lists each servable destination's pairs and requested positions; returns the
    first row's index and the requested counts in row order.
    """
    requested = [req for _, req in by_dest]
    # every row at once, its entries int32 and its values float32 when exact (as the matrix
    # will hold them): one row at a time, int64 and float64, they held 12 bytes a class pair
    # through the layout, where hard XL's build peaks (docs/benchmarks-solver.md,
    # thirty-fourth session)
    lengths = np.array([members.size + 1 for members, _ in by_dest], dtype=np.int64)
    entries = np.empty(int(lengths.sum()), dtype=np.int32)
    kind = exact_type(np.array([1000.0, *(-float(req) for req in requested)]))
    values: Values = np.full(entries.size, 1000.0, dtype=kind)
    at = 0
    for members, req in by_dest:
        entries[at : at + members.size] = members
        entries[at + members.size] = z
        values[at + members.size] = -float(req)
        at += members.size + 1
    return rows.add_many(
        lengths, entries, values, np.zeros(len(by_dest)), np.full(len(by_dest), INF)
    ), requested
