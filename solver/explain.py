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
from collections.abc import Callable

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
    tight: dict[int, list[Group]] = defaultdict(list)
    for g in model.groups:
        used = int(x[g.pairs].sum())
        if g.code == "PAIR_MINIMUM_BENEFIT" or used >= g.cap:
            for p in g.pairs.tolist():
                tight[p].append(g)

    def binding(p: int, counterpart_full: bool) -> tuple[ReasonCode, Group | None]:
        if counterpart_full:
            return "CAPACITY_USED", None
        for code in CONSTRAINT_CODES[1:]:
            for g in tight.get(p, []):
                if g.code == code:
                    return code, g
        return "CAPACITY_USED", None

    by_w: dict[int, list[int]] = defaultdict(list)
    by_d: dict[int, list[int]] = defaultdict(list)
    for p in range(len(pairs)):
        by_w[int(pairs.wd[p])].append(p)
        by_d[int(pairs.dep[p])].append(p)
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
        reasons.extend(
            _constraint_reasons(
                [(int(pairs.dep[p]), p) for p in by_w.get(j, [])],
                dcap,
                dused,
                binding,
                for_withdrawal=True,
            )
        )
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
        reasons.extend(
            _constraint_reasons(
                [(int(pairs.wd[p]), p) for p in by_d.get(i, [])],
                wcap,
                wused,
                binding,
                for_withdrawal=False,
            )
        )
        for ident, count in zip(dc.ids, dc.counts, strict=True):
            left = count - placed.get(ident, 0)
            if left > 0:
                unmatched.deposits.append(
                    UnplacedDeposit.model_construct(id=ident, unplaced=left, reasons=list(reasons))
                )
    unmatched.withdrawals.sort(key=lambda u: u.id)
    unmatched.deposits.sort(key=lambda u: u.id)
    return unmatched


def _constraint_reasons(
    counterparts: list[tuple[int, int]],
    cap: IntArray,
    used: IntArray,
    binding: Callable[[int, bool], tuple[ReasonCode, Group | None]],
    *,
    for_withdrawal: bool,
) -> list[Reason]:
    totals: dict[ReasonCode, int] = defaultdict(int)
    group_of: dict[ReasonCode, Group | None] = {}
    for other, p in counterparts:
        code, group = binding(p, bool(used[other] >= cap[other]))
        totals[code] += int(cap[other])
        group_of.setdefault(code, group)
    return [
        Reason(
            code=code,
            workers=totals[code],
            detail=constraint_detail(
                code, totals[code], group_of[code], for_withdrawal=for_withdrawal
            ),
        )
        for code in CONSTRAINT_CODES
        if code in totals
    ]
