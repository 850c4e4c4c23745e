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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.classes import Pairs
from solver.eligibility import (
    CODES,
    Context,
    benefit,
    gap_months,
    language_gaps,
    requirement,
)
from solver.model import Group, RoundModel
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
    gaps = language_gaps(ctx, d, w)
    parts = [
        f"{lang} {need[lang]} required, best offer {d.languages.get(lang, 'none')}"
        for lang in sorted(gaps, key=lambda g: (-gaps[g], g))
    ]
    months = gap_months(ctx, d, w)
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
    model: RoundModel,
    x: IntArray,
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
    dused = np.bincount(pairs.dep, weights=x, minlength=len(dcap)).astype(np.int64)
    wused = np.bincount(pairs.wd, weights=x, minlength=len(wcap)).astype(np.int64)
    if len(pairs) == 0:
        dused = np.zeros(len(dcap), dtype=np.int64)
        wused = np.zeros(len(wcap), dtype=np.int64)
    binding = Binding.of(model.groups, x, len(pairs))
    by_w = binding.per_posting(pairs.wd, pairs.dep, dcap, dused, len(wcap))
    by_d = binding.per_posting(pairs.dep, pairs.wd, wcap, wused, len(dcap))
    dcadre_workers: dict[str, int] = defaultdict(int)
    wcadre_positions: dict[str, int] = defaultdict(int)
    for dc in pairs.deposits:
        dcadre_workers[dc.rep.cadre] += dc.total
    for wc in pairs.withdrawals:
        wcadre_positions[wc.rep.cadre] += wc.total
    all_d, all_w = int(dcap.sum()), int(wcap.sum())

    unmatched = Unmatched()
    for j, wc in enumerate(pairs.withdrawals):
        if all(filled.get(i, 0) >= n for i, n in zip(wc.ids, wc.counts, strict=True)):
            continue
        w = wc.rep
        reasons: list[Reason] = []
        if dcadre_workers.get(w.cadre, 0) == 0:
            reasons.append(
                Reason(
                    code="CADRE",
                    workers=all_d,
                    detail=f"No deposit of cadre {w.cadre} is offered in this round.",
                )
            )
        for k, code in enumerate(ELIGIBILITY_CODES[1:], start=2):
            n = int(pairs.w_workers[j, k])
            if n > 0:
                d = pairs.deposits[int(pairs.w_rep[j, k])].rep
                detail = eligibility_detail(ctx, code, d, w, n, for_withdrawal=True)
                reasons.append(Reason(code=code, workers=n, detail=detail))
        reasons.extend(by_w.reasons(j, for_withdrawal=True))
        for ident, count in zip(wc.ids, wc.counts, strict=True):
            left = count - filled.get(ident, 0)
            if left > 0:
                unmatched.withdrawals.append(
                    UnfilledWithdrawal.model_construct(
                        id=ident, unfilled=left, reasons=list(reasons)
                    )
                )
    for i, dc in enumerate(pairs.deposits):
        if all(placed.get(ident, 0) >= n for ident, n in zip(dc.ids, dc.counts, strict=True)):
            continue
        d = dc.rep
        reasons = []
        if wcadre_positions.get(d.cadre, 0) == 0:
            reasons.append(
                Reason(
                    code="CADRE",
                    workers=all_w,
                    detail=f"No withdrawal asks for cadre {d.cadre} in this round.",
                )
            )
        for k, code in enumerate(ELIGIBILITY_CODES[1:], start=2):
            n = int(pairs.d_workers[i, k])
            if n > 0:
                w = pairs.withdrawals[int(pairs.d_rep[i, k])].rep
                detail = eligibility_detail(ctx, code, d, w, n, for_withdrawal=False)
                reasons.append(Reason(code=code, workers=n, detail=detail))
        reasons.extend(by_d.reasons(i, for_withdrawal=False))
        for ident, count in zip(dc.ids, dc.counts, strict=True):
            left = count - placed.get(ident, 0)
            if left > 0:
                unmatched.deposits.append(
                    UnplacedDeposit.model_construct(id=ident, unplaced=left, reasons=list(reasons))
                )
    unmatched.withdrawals.sort(key=lambda u: u.id)
    unmatched.deposits.sort(key=lambda u: u.id)
    return unmatched


@dataclass
class Binding:
    """Which side constraint binds each eligible pair in the solution (`explain`).

    ``code[p]`` indexes `CONSTRAINT_CODES`: a tight agreement quota first, then a tight
    depletion cap, then a pair minimum benefit, else 0 (``CAPACITY_USED``); ``group[p]`` is the
    first such group in the model's order (-1 for none).
    """

    code: IntArray
    group: IntArray
    groups: list[Group]

    @classmethod
    def of(cls, groups: list[Group], x: IntArray, npairs: int) -> Binding:
        code = np.zeros(npairs, dtype=np.int64)
        group = np.full(npairs, -1, dtype=np.int64)
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
        self, side: IntArray, other: IntArray, cap: IntArray, used: IntArray, n: int
    ) -> PostingReasons:
        """Per posting of ``side``, the workers of its eligible counterparts (``other``) by
        code: the counterpart's capacity when it is used up, else the pair's binding code."""
        ncodes = len(CONSTRAINT_CODES)
        full = used[other] >= cap[other]
        code = np.where(full, 0, self.code)
        key = side * ncodes + code
        totals = np.bincount(key, weights=cap[other], minlength=n * ncodes)
        present = np.bincount(key, minlength=n * ncodes) > 0
        keys, first = np.unique(key, return_index=True)  # first counterpart of each (posting, code)
        group = np.full(n * ncodes, -1, dtype=np.int64)
        group[keys] = np.where(code[first] == 0, -1, self.group[first])
        return PostingReasons(
            totals.astype(np.int64).reshape(n, ncodes),
            present.reshape(n, ncodes),
            group.reshape(n, ncodes),
            self.groups,
        )


@dataclass
class PostingReasons:
    """The constraint reasons of every posting of one side (`Binding.per_posting`)."""

    totals: IntArray
    present: npt.NDArray[np.bool_]
    group: IntArray
    groups: list[Group]

    def reasons(self, j: int, *, for_withdrawal: bool) -> list[Reason]:
        out = []
        for k, code in enumerate(CONSTRAINT_CODES):
            if not self.present[j, k]:
                continue
            n, gi = int(self.totals[j, k]), int(self.group[j, k])
            group = self.groups[gi] if gi >= 0 else None
            detail = constraint_detail(code, n, group, for_withdrawal=for_withdrawal)
            out.append(Reason(code=code, workers=n, detail=detail))
        return out
