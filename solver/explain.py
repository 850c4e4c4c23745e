"""Explanations (spec section 5): why each withdrawal stays unfilled and each deposit unplaced.

For a posting, the counterparts are the postings of the other side with the same cadre.  Each
counterpart not eligible with it counts its workers under its first failing rule (computed in
`solver.classes`); each eligible counterpart counts under the constraint that bound it in the
solution: the counterpart's own capacity used up (``CAPACITY_USED``), a tight agreement quota
(``AGREEMENT_QUOTA``), a tight depletion cap (``DEPLETION_CAP``) or a pair minimum benefit
(``PAIR_MINIMUM_BENEFIT``).  ``CADRE`` appears only when no counterpart of the cadre exists.
Every reason carries one plain sentence a focal point can act on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from solver.classes import Pairs, PostingClass
from solver.compiled_pairs import ClassArray
from solver.compiled_reasons import reasons_by_class
from solver.compiled_values import Flows, totals_by
from solver.eligibility import (
    CODES,
    Context,
    benefit,
    gaps_to,
    months_for,
    requirement,
)
from solver.model import Group
from solver.schema import (
    Deposit,
    Reason,
    ReasonCode,
    UnfilledWithdrawal,
    Unmatched,
    UnplacedDeposit,
    Withdrawal,
)

IntArray = npt.NDArray[np.int64]
ELIGIBILITY_CODES: tuple[ReasonCode, ...] = tuple(CODES)  # type: ignore[arg-type]
CONSTRAINT_CODES: tuple[ReasonCode, ...] = (
    "CAPACITY_USED",
    "AGREEMENT_QUOTA",
    "DEPLETION_CAP",
    "PAIR_MINIMUM_BENEFIT",
)


def _workers(n: int) -> str:
    return f"{n} worker{'s' if n != 1 else ''}"


def _positions(n: int) -> str:
    return f"{n} position{'s' if n != 1 else ''}"


def _language_sentence(ctx: Context, d: Deposit, w: Withdrawal) -> str:
    need = requirement(ctx, w)
    gaps = gaps_to(need, d)
    parts = [
        f"{lang} {need[lang]} required, best offer {d.languages.get(lang, 'none')}"
        for lang in sorted(gaps, key=lambda g: (-gaps[g], g))
    ]
    months = months_for(ctx, gaps)
    return (
        f"{'; '.join(parts)}: {months} months of training would bridge it, "
        f"{w.language_training_months} offered."
    )


def eligibility_detail(
    ctx: Context, code: str, d: Deposit, w: Withdrawal, n: int, *, for_withdrawal: bool
) -> str:
    """One sentence for an eligibility code, from the focal posting's side."""
    who = _workers(n) if for_withdrawal else _positions(n)
    c, o, t = w.cadre, d.country, w.country
    if code == "SAME_COUNTRY":
        return f"{who} are in {t} itself; the exchange only matches across borders."
    if code == "MODALITY":
        if for_withdrawal:
            return f"{who} are not offered for {w.modality} work; ask origins to offer it."
        return f"{who} ask for {w.modality} work, which this deposit does not offer."
    if code == "WINDOW":
        return (
            f"{who} fall outside the window: start {w.start_from}..{w.start_to} vs "
            f"availability {d.available_from}..{d.available_to}; widening it would reach them."
        )
    if code == "DURATION":
        return (
            f"{who} are blocked by duration: {w.duration_months} months asked, at most "
            f"{d.max_duration_months} accepted; a shorter contract would reach them."
        )
    if code == "EXCLUDED":
        return f"{who} are blocked because {o} excluded {t} as a destination."
    if code == "SAFEGUARD_NO_G2G":
        return (
            f"{who} are blocked because {o} is safeguard-listed and no active "
            f"government-to-government agreement {o}-{t} covers cadre {c}; sign one or use remote."
        )
    if code == "SAFEGUARD_NOT_POSITIVE_LISTED":
        return (
            f"{who} are blocked because {o} is safeguard-listed and cadre {c} is not on its "
            f"positive list for international recruitment."
        )
    if code == "RECOGNITION_MISSING":
        return (
            f"{who} are blocked because recognition of qualifications is required and no active "
            f"{o}-{t} agreement for cadre {c} provides it."
        )
    if code == "LANGUAGE_GAP":
        return _language_sentence(ctx, d, w)
    if code == "BENEFIT_BELOW_MINIMUM":
        return (
            f"{who} are blocked by benefit: {o} requires {ctx.required_benefit(d)} USD per worker, "
            f"best offer {benefit(ctx, d, w)} USD."
        )
    if code == "DECLINED":
        return f"{who} were declined for this pair in an earlier round and are not proposed again."
    return f"{who} are blocked by rule {code}."


def _left(group: Group) -> str:
    """What earlier rounds left of a quota or cap to this round, all of it used."""
    if group.cap == 0:
        return "none left for this round"
    return f"the {group.cap} left for this round are used up"


def constraint_detail(code: str, n: int, group: Group | None, *, for_withdrawal: bool) -> str:
    """One sentence for a constraint code."""
    who = _workers(n) if for_withdrawal else _positions(n)
    if code == "AGREEMENT_QUOTA" and group is not None:
        o, t, c, aid = group.key
        if group.used > 0:
            return (
                f"{who} eligible, but quota {group.limit} of agreement {aid} ({o}-{t}, cadre {c}): "
                f"{group.used} already placed in earlier rounds, {_left(group)}."
            )
        return (
            f"{who} eligible, but the quota of agreement {aid} ({o}-{t}, cadre {c}) of "
            f"{group.cap} workers is used up; raising it would allow more."
        )
    if code == "DEPLETION_CAP" and group is not None:
        o, c = group.key
        if group.used > 0:
            return (
                f"{who} eligible, but depletion cap {group.limit} of {o} for cadre {c}: "
                f"{group.used} relocated in the last 12 months, {_left(group)}."
            )
        return (
            f"{who} eligible, but {o}'s depletion cap for cadre {c} ({group.cap} workers) "
            f"is used up."
        )
    if code == "PAIR_MINIMUM_BENEFIT" and group is not None:
        o, t = group.key
        return (
            f"{who} eligible, but flows {o}-{t} would not reach the pair minimum benefit of "
            f"{group.cap} USD."
        )
    if for_withdrawal:
        return f"{who} eligible, but all are placed on positions ranked higher."
    return f"{who} eligible, but all are filled by workers ranked higher."


def explain(
    ctx: Context,
    pairs: Pairs,
    groups: list[Group],
    x: Flows,
    placed: dict[str, int],
    filled: dict[str, int],
) -> Unmatched:
    """Reasons for every unfilled withdrawal and every unplaced deposit.

    The per-posting objects are built with ``model_construct``: their fields are built here from
    validated data (ids, ints, `Reason` models), and validating 100,000 of them again was a
    quarter of the explanations' time at XL.
    """
    dcap = np.array([c.total for c in pairs.deposits], dtype=np.int64)
    wcap = np.array([c.total for c in pairs.withdrawals], dtype=np.int64)
    # each class's placed workers, summed in int64 as the tier values are (no float64 copy of x)
    dused = totals_by(pairs.dep, x, len(dcap))
    wused = totals_by(pairs.wd, x, len(wcap))
    binding = Binding.of(groups, x, len(pairs))
    withdrawals = _Side.of(pairs, binding, (wused, wcap), (dused, dcap), filled, withdrawal=True)
    deposits = _Side.of(pairs, binding, (dused, dcap), (wused, wcap), placed, withdrawal=False)
    return Unmatched.model_construct(
        withdrawals=[
            UnfilledWithdrawal.model_construct(id=ident, unfilled=left, reasons=reasons)
            for ident, left, reasons in sorted(withdrawals.unmatched(ctx), key=_by_id)
        ],
        deposits=[
            UnplacedDeposit.model_construct(id=ident, unplaced=left, reasons=reasons)
            for ident, left, reasons in sorted(deposits.unmatched(ctx), key=_by_id)
        ],
    )


def _by_id(entry: tuple[str, int, list[Reason]]) -> str:
    return entry[0]


@dataclass
class _Side:
    """The classes of one side of the round, as `explain` walks them.

    ``workers[j, k]`` / ``rep[j, k]`` are `Pairs`' per-class eligibility statistics (the
    counterparts' workers failing rule k first, and the first such counterpart); ``open_[j]``
    says whether class j has workers or positions left; ``done`` is what each posting got;
    ``constraints`` the constraint reasons of each class (`Binding.per_posting`).
    """

    classes: Sequence[PostingClass[Any]]
    workers: IntArray
    rep: IntArray
    open_: npt.NDArray[np.bool_]
    done: dict[str, int]
    counterparts: Sequence[PostingClass[Any]]
    constraints: PostingReasons
    all_counterparts: int
    """The other side's workers or positions in all (`CADRE`'s count)."""
    for_withdrawal: bool

    @classmethod
    def of(
        cls,
        pairs: Pairs,
        binding: Binding,
        own: tuple[IntArray, IntArray],
        other: tuple[IntArray, IntArray],
        done: dict[str, int],
        *,
        withdrawal: bool,
    ) -> _Side:
        """The withdrawals' side of ``pairs`` (or the deposits'); ``own`` and ``other`` are the
        (used, capacity) of each class of this side and of the other."""
        (used, cap), (other_used, other_cap) = own, other
        classes: Sequence[PostingClass[Any]]
        counterparts: Sequence[PostingClass[Any]]
        if withdrawal:
            classes, counterparts = pairs.withdrawals, pairs.deposits
            workers, rep, mine, theirs = pairs.w_workers, pairs.w_rep, pairs.wd, pairs.dep
        else:
            classes, counterparts = pairs.deposits, pairs.withdrawals
            workers, rep, mine, theirs = pairs.d_workers, pairs.d_rep, pairs.dep, pairs.wd
        constraints = binding.per_posting(mine, theirs, other_cap, other_used, len(classes))
        return cls(
            classes,
            workers,
            rep,
            used < cap,
            done,
            counterparts,
            constraints,
            int(other_cap.sum()),
            withdrawal,
        )

    def unmatched(self, ctx: Context) -> Iterator[tuple[str, int, list[Reason]]]:
        """(posting id, what is left of it, its reasons) for every posting not fully matched;
        the statistics are read as Python lists, only for the classes with something left."""
        counterparts = self.counterparts
        offered: dict[str, int] = defaultdict(int)
        for other in counterparts:
            offered[other.rep.cadre] += other.total
        rows = np.flatnonzero(self.open_)
        last = len(ELIGIBILITY_CODES) + 1
        workers = self.workers[rows, 2:last].tolist()
        reps = self.rep[rows, 2:last].tolist()
        for j, counts, firsts in zip(rows.tolist(), workers, reps, strict=True):
            own = self.classes[j].rep
            reasons: list[Reason] = []
            if offered.get(own.cadre, 0) == 0:
                reasons.append(self._no_cadre(own.cadre))
            for code, n, first in zip(ELIGIBILITY_CODES[1:], counts, firsts, strict=True):
                if n > 0:
                    other = counterparts[first].rep
                    d, w = (other, own) if self.for_withdrawal else (own, other)
                    detail = eligibility_detail(
                        ctx, code, d, w, n, for_withdrawal=self.for_withdrawal
                    )
                    reasons.append(Reason(code=code, workers=n, detail=detail))
            reasons.extend(self.constraints.reasons(j, for_withdrawal=self.for_withdrawal))
            cls = self.classes[j]
            for ident, count in zip(cls.ids, cls.counts, strict=True):
                left = count - self.done.get(ident, 0)
                if left > 0:
                    yield ident, left, list(reasons)

    def _no_cadre(self, cadre: str) -> Reason:
        if self.for_withdrawal:
            detail = f"No deposit of cadre {cadre} is offered in this round."
        else:
            detail = f"No withdrawal asks for cadre {cadre} in this round."
        return Reason(code="CADRE", workers=self.all_counterparts, detail=detail)


@dataclass
class Binding:
    """Which side constraint binds each eligible pair in the solution (`explain`).

    ``code[p]`` indexes `CONSTRAINT_CODES`: a tight agreement quota first, then a tight
    depletion cap, then a pair minimum benefit, else 0 (``CAPACITY_USED``); ``group[p]`` is the
    first such group in the model's order (-1 for none).
    """

    code: npt.NDArray[np.int8]
    group: npt.NDArray[np.int32]
    groups: list[Group]

    @classmethod
    def of(cls, groups: list[Group], x: Flows, npairs: int) -> Binding:
        # a byte and four a pair, not 16: both are full length (hard XL: 20.8 M class pairs)
        code = np.zeros(npairs, dtype=np.int8)
        group = np.full(npairs, -1, dtype=np.int32)
        # lowest precedence first, and within a code the last group first, so that the
        # assignments left standing are the first group of the first code
        for k in range(len(CONSTRAINT_CODES) - 1, 0, -1):
            for gi in range(len(groups) - 1, -1, -1):
                g = groups[gi]
                if g.code != CONSTRAINT_CODES[k]:
                    continue
                if g.code == "PAIR_MINIMUM_BENEFIT" or int(x[g.pairs].sum()) >= g.cap:
                    code[g.pairs] = k
                    group[g.pairs] = gi
        return cls(code, group, groups)

    def per_posting(
        self, side: ClassArray, other: ClassArray, cap: IntArray, used: IntArray, n: int
    ) -> PostingReasons:
        """Per posting of ``side``, the workers of its eligible counterparts (``other``) by
        code: the counterpart's capacity when it is used up, else the pair's binding code; the
        first counterpart of each (posting, code) names the group (`CAPACITY_USED` none).
        One compiled pass over the pairs (`solver.compiled_reasons`)."""
        totals, present, group = reasons_by_class(
            side, other, self.code, self.group, cap, used, n, len(CONSTRAINT_CODES)
        )
        return PostingReasons(totals, present, group, self.groups)


@dataclass
class PostingReasons:
    """The constraint reasons of every posting of one side (`Binding.per_posting`)."""

    totals: IntArray
    present: npt.NDArray[np.bool_]
    group: IntArray
    groups: list[Group]
    _rows: list[tuple[list[bool], list[int], list[int]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # read as Python lists once: `reasons` runs for thousands of postings
        self._rows = list(
            zip(self.present.tolist(), self.totals.tolist(), self.group.tolist(), strict=True)
        )

    def reasons(self, j: int, *, for_withdrawal: bool) -> list[Reason]:
        out = []
        present, totals, group = self._rows[j]
        for k, code in enumerate(CONSTRAINT_CODES):
            if not present[k]:
                continue
            gi = group[k]
            detail = constraint_detail(
                code,
                totals[k],
                self.groups[gi] if gi >= 0 else None,
                for_withdrawal=for_withdrawal,
            )
            out.append(Reason(code=code, workers=totals[k], detail=detail))
        return out
