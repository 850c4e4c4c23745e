"""Eligibility (spec section 2): rules E1-E11, one small function each, checked in spec order.

After them comes E12 ``DECLINED``, hrhx's extension: a pair listed in the scenario's
``excluded_pairs`` (declined by a focal point in an earlier round) is not eligible.

Each ``eN_*`` function returns the rule's reason code when the pair (d, w) fails it, else None;
`first_failure` returns the first failing code (None: eligible).  `CadreBlock` holds one cadre's
deposits and withdrawals as arrays for `solver.compiled_rules`, the same rules compiled for whole
blocks of pairs (`CadreBlock.first_failures`); the property tests check that both agree.
`Context` holds what the rules need from the scenario (agreements active at ``as_of``, the
agreement of each pair A*(o,t,c), workforce facts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from solver.arithmetic import benefit_floor, depletion_cap
from solver.compiled_rules import CountryFacts, DepositSide, WithdrawalSide, block_codes
from solver.schema import LEVEL_RANK, Agreement, Deposit, Scenario, Withdrawal, month_index

CODES: tuple[str, ...] = (
    "CADRE",
    "SAME_COUNTRY",
    "MODALITY",
    "WINDOW",
    "DURATION",
    "EXCLUDED",
    "SAFEGUARD_NO_G2G",
    "SAFEGUARD_NOT_POSITIVE_LISTED",
    "RECOGNITION_MISSING",
    "LANGUAGE_GAP",
    "BENEFIT_BELOW_MINIMUM",
    "DECLINED",
)
"""Rule codes in spec order; as `CadreBlock.first_failures` gives them, k + 1 (0: eligible)."""
CODE_INDEX: dict[str, int] = {code: i + 1 for i, code in enumerate(CODES)}
NO_LIMIT = 1 << 30

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Context:
    """Scenario facts the rules read, precomputed once per round."""

    scenario: Scenario
    as_of: int
    listed: dict[str, bool]
    licensing: dict[str, dict[str, str]]
    active: dict[tuple[str, str], list[Agreement]]
    stock: dict[tuple[str, str], int | None] = field(default_factory=dict)
    education_cost: dict[tuple[str, str], int | None] = field(default_factory=dict)
    positive_list: dict[tuple[str, str], bool] = field(default_factory=dict)
    relocated_recently: dict[tuple[str, str], int] = field(default_factory=dict)
    excluded: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, scenario: Scenario) -> Context:
        as_of = month_index(scenario.as_of)
        active: dict[tuple[str, str], list[Agreement]] = {}
        for a in scenario.agreements:
            if month_index(a.valid_from) <= as_of <= month_index(a.valid_to):
                active.setdefault((a.origin, a.destination), []).append(a)
        ctx = cls(
            scenario=scenario,
            as_of=as_of,
            listed={c.code: c.safeguard_listed for c in scenario.countries},
            licensing={c.code: dict(c.licensing_languages) for c in scenario.countries},
            active=active,
            excluded={(p.deposit_id, p.withdrawal_id) for p in scenario.excluded_pairs},
        )
        for fact in scenario.workforce:
            key = (fact.country, fact.cadre)
            ctx.stock[key] = fact.stock
            ctx.education_cost[key] = fact.education_cost_usd
            ctx.positive_list[key] = fact.positive_list
            ctx.relocated_recently[key] = fact.relocated_recently
        return ctx

    @property
    def mode(self) -> str:
        return self.scenario.policy.safeguard_mode

    def agreements_for(self, origin: str, destination: str, cadre: str) -> list[Agreement]:
        """Agreements active at as_of for (o, t, c): c in A.cadres or A.cadres empty."""
        return [
            a
            for a in self.active.get((origin, destination), [])
            if not a.cadres or cadre in a.cadres
        ]

    def agreement_of_pair(self, origin: str, destination: str, cadre: str) -> Agreement | None:
        """A*(o,t,c): the active agreement with the highest benefit, ties by smallest id."""
        best: Agreement | None = None
        for a in self.agreements_for(origin, destination, cadre):
            if best is None or (-a.benefit_usd_per_worker, a.id) < (
                -best.benefit_usd_per_worker,
                best.id,
            ):
                best = a
        return best

    def required_benefit(self, d: Deposit) -> int:
        """max(d.min_benefit, round_half_up(floor ratio x education cost of (o, c)))."""
        cost = self.education_cost.get((d.country, d.cadre))
        floor = benefit_floor(self.scenario.policy.benefit_floor_ratio, cost)
        return max(d.min_benefit_usd_per_worker, floor)

    def depletion_cap(self, origin: str, cadre: str) -> int | None:
        """floor(max_depletion_share x stock(o, c)), None when no cap applies."""
        return depletion_cap(
            self.scenario.policy.max_depletion_share, self.stock.get((origin, cadre))
        )

    def depletion_headroom(self, origin: str, cadre: str) -> int | None:
        """C3 this round (section 7): max(0, floor(s x S) - relocated_recently), None: no cap."""
        cap = self.depletion_cap(origin, cadre)
        if cap is None:
            return None
        return max(0, cap - self.relocated_recently.get((origin, cadre), 0))

    @staticmethod
    def quota_headroom(agreement: Agreement, cadre: str) -> int | None:
        """C2 this round (section 7): max(0, quota - quota_used) of the agreement's cadre."""
        quota = agreement.quotas.get(cadre)
        if quota is None:
            return None
        return max(0, quota - agreement.quota_used.get(cadre, 0))


def requirement(ctx: Context, w: Withdrawal) -> dict[str, str]:
    """R(w): w's languages merged with the destination's licensing languages (relocation)."""
    merged: dict[str, str] = dict(w.required_languages)
    if w.modality == "relocation":
        for lang, level in ctx.licensing.get(w.country, {}).items():
            if LEVEL_RANK[level] > LEVEL_RANK.get(merged.get(lang, ""), 0):
                merged[lang] = level
    return merged


def language_gaps(ctx: Context, d: Deposit, w: Withdrawal) -> dict[str, int]:
    """Levels missing per required language (only languages with a gap)."""
    return gaps_to(requirement(ctx, w), d)


def gaps_to(need: dict[str, str], d: Deposit) -> dict[str, int]:
    """Levels ``d`` misses per language of the requirement ``need`` (only those with a gap)."""
    gaps: dict[str, int] = {}
    for lang, level in need.items():
        gap = LEVEL_RANK[level] - LEVEL_RANK.get(d.languages.get(lang, ""), 0)
        if gap > 0:
            gaps[lang] = gap
    return gaps


def gap_months(ctx: Context, d: Deposit, w: Withdrawal) -> int:
    """(sum of level gaps) x policy.language_months_per_level."""
    return months_for(ctx, language_gaps(ctx, d, w))


def months_for(ctx: Context, gaps: dict[str, int]) -> int:
    """The training months that bridge ``gaps`` (levels per language)."""
    return sum(gaps.values()) * ctx.scenario.policy.language_months_per_level


def benefit(ctx: Context, d: Deposit, w: Withdrawal) -> int:
    """w's benefit plus the benefit of the pair's agreement A*(o,t,c), if any."""
    a = ctx.agreement_of_pair(d.country, w.country, w.cadre)
    return w.benefit_usd_per_worker + (a.benefit_usd_per_worker if a else 0)


def _safeguarded(ctx: Context, d: Deposit, w: Withdrawal) -> bool:
    return w.modality == "relocation" and ctx.listed.get(d.country, False)


def e1_cadre(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if d.cadre == w.cadre else "CADRE"


def e2_same_country(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if d.country != w.country else "SAME_COUNTRY"


def e3_modality(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if w.modality in d.modalities else "MODALITY"


def e4_window(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    ok = month_index(d.available_from) <= month_index(w.start_to) and month_index(
        w.start_from
    ) <= month_index(d.available_to)
    return None if ok else "WINDOW"


def e5_duration(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    ok = d.max_duration_months is None or w.duration_months <= d.max_duration_months
    return None if ok else "DURATION"


def e6_excluded(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if w.country not in d.excluded_destinations else "EXCLUDED"


def e7_safeguard_no_g2g(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    if not _safeguarded(ctx, d, w) or ctx.mode == "off":
        return None
    if any(a.g2g for a in ctx.agreements_for(d.country, w.country, w.cadre)):
        return None
    return "SAFEGUARD_NO_G2G"


def e8_safeguard_not_positive_listed(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    if not _safeguarded(ctx, d, w) or ctx.mode != "strict":
        return None
    if ctx.positive_list.get((d.country, w.cadre), False):
        return None
    return "SAFEGUARD_NOT_POSITIVE_LISTED"


def e9_recognition_missing(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    if w.modality != "relocation" or not w.requires_recognition:
        return None
    if any(a.recognition for a in ctx.agreements_for(d.country, w.country, w.cadre)):
        return None
    return "RECOGNITION_MISSING"


def e10_language_gap(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if gap_months(ctx, d, w) <= w.language_training_months else "LANGUAGE_GAP"


def e11_benefit_below_minimum(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return None if benefit(ctx, d, w) >= ctx.required_benefit(d) else "BENEFIT_BELOW_MINIMUM"


def e12_declined(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    return "DECLINED" if (d.id, w.id) in ctx.excluded else None


Rule = Callable[[Context, Deposit, Withdrawal], str | None]
RULES: tuple[Rule, ...] = (
    e1_cadre,
    e2_same_country,
    e3_modality,
    e4_window,
    e5_duration,
    e6_excluded,
    e7_safeguard_no_g2g,
    e8_safeguard_not_positive_listed,
    e9_recognition_missing,
    e10_language_gap,
    e11_benefit_below_minimum,
    e12_declined,
)


def first_failure(ctx: Context, d: Deposit, w: Withdrawal) -> str | None:
    """The code of the first rule (spec order) that (d, w) fails, None if the pair is eligible."""
    for rule in RULES:
        code = rule(ctx, d, w)
        if code is not None:
            return code
    return None


def is_eligible(ctx: Context, d: Deposit, w: Withdrawal) -> bool:
    return first_failure(ctx, d, w) is None


# ------------------------------------------------------------------ blocks of pairs


@dataclass
class CadreBlock:
    """The compiled rules' inputs for one cadre: deposits (rows) and withdrawals (columns)."""

    ctx: Context
    cadre: str
    deposits: Sequence[Deposit]
    withdrawals: Sequence[Withdrawal]
    countries: dict[str, int]

    def __post_init__(self) -> None:
        ctx, ds, ws, cix = self.ctx, self.deposits, self.withdrawals, self.countries
        n = len(cix)
        self.o = np.array([cix[d.country] for d in ds], dtype=np.int64)
        self.t = np.array([cix[w.country] for w in ws], dtype=np.int64)
        self.d_cadre_ok = np.array([d.cadre == self.cadre for d in ds], dtype=bool)
        self.w_cadre_ok = np.array([w.cadre == self.cadre for w in ws], dtype=bool)
        self.d_reloc = np.array(["relocation" in d.modalities for d in ds], dtype=bool)
        self.d_remote = np.array(["remote" in d.modalities for d in ds], dtype=bool)
        self.w_reloc = np.array([w.modality == "relocation" for w in ws], dtype=bool)
        self.d_from = np.array([month_index(d.available_from) for d in ds], dtype=np.int64)
        self.d_to = np.array([month_index(d.available_to) for d in ds], dtype=np.int64)
        self.w_from = np.array([month_index(w.start_from) for w in ws], dtype=np.int64)
        self.w_to = np.array([month_index(w.start_to) for w in ws], dtype=np.int64)
        self.d_maxdur = np.array(
            [NO_LIMIT if d.max_duration_months is None else d.max_duration_months for d in ds],
            dtype=np.int64,
        )
        self.w_dur = np.array([w.duration_months for w in ws], dtype=np.int64)
        self.excluded = np.zeros((len(ds), n), dtype=bool)
        for i, d in enumerate(ds):
            for code in d.excluded_destinations:
                self.excluded[i, cix[code]] = True
        names = list(cix)
        self.listed = np.array([ctx.listed.get(c, False) for c in names], dtype=bool)
        self.positive = np.array(
            [ctx.positive_list.get((c, self.cadre), False) for c in names], dtype=bool
        )
        self.g2g = np.zeros((n, n), dtype=bool)
        self.recognition = np.zeros((n, n), dtype=bool)
        self.agreement_benefit = np.zeros((n, n), dtype=np.int64)
        for (orig, dest), _ in ctx.active.items():
            if orig not in cix or dest not in cix:
                continue
            mine = ctx.agreements_for(orig, dest, self.cadre)
            oi, ti = cix[orig], cix[dest]
            self.g2g[oi, ti] = any(a.g2g for a in mine)
            self.recognition[oi, ti] = any(a.recognition for a in mine)
            best = ctx.agreement_of_pair(orig, dest, self.cadre)
            self.agreement_benefit[oi, ti] = best.benefit_usd_per_worker if best else 0
        reqs = [requirement(ctx, w) for w in ws]
        column = {lang: k for k, lang in enumerate(sorted({lang for r in reqs for lang in r}))}
        # CEFR ranks (0..6) in int8; a language no withdrawal requires is not a column
        self.need = np.zeros((len(ws), len(column)), dtype=np.int8)
        self.have = np.zeros((len(ds), len(column)), dtype=np.int8)
        for j, r in enumerate(reqs):
            for lang, level in r.items():
                self.need[j, column[lang]] = LEVEL_RANK[level]
        for i, d in enumerate(ds):
            for lang, level in d.languages.items():
                if lang in column:
                    self.have[i, column[lang]] = LEVEL_RANK[level]
        self.w_training = np.array([w.language_training_months for w in ws], dtype=np.int64)
        self.w_benefit = np.array([w.benefit_usd_per_worker for w in ws], dtype=np.int64)
        self.w_recog = np.array([w.requires_recognition for w in ws], dtype=bool)
        self.required = np.array([ctx.required_benefit(d) for d in ds], dtype=np.int64)

    def deposit_side(self, rows: slice) -> DepositSide:
        """The deposit classes ``rows`` as the compiled rules read them (views, no copy)."""
        return DepositSide(
            origin=self.o[rows],
            cadre_ok=self.d_cadre_ok[rows],
            relocation=self.d_reloc[rows],
            remote=self.d_remote[rows],
            available_from=self.d_from[rows],
            available_to=self.d_to[rows],
            max_duration=self.d_maxdur[rows],
            excluded=self.excluded[rows],
            languages=self.have[rows],
            required_benefit=self.required[rows],
        )

    def withdrawal_side(self) -> WithdrawalSide:
        """Every withdrawal class of the block as the compiled rules read them."""
        per_level = self.ctx.scenario.policy.language_months_per_level
        # E10 on level sums: gaps x months_per_level > training  <=>  gaps > training // m
        unlimited = np.full_like(self.w_training, NO_LIMIT)
        max_gap = self.w_training // per_level if per_level else unlimited
        return WithdrawalSide(
            destination=self.t,
            cadre_ok=self.w_cadre_ok,
            relocation=self.w_reloc,
            start_from=self.w_from,
            start_to=self.w_to,
            duration=self.w_dur,
            needs=self.need,
            max_gap=max_gap,
            benefit=self.w_benefit,
            recognition=self.w_recog,
        )

    def country_facts(self) -> CountryFacts:
        """The block's per-country and per-(origin, destination) facts."""
        mode = self.ctx.mode
        return CountryFacts(
            listed=self.listed,
            positive=self.positive,
            g2g=self.g2g,
            recognition=self.recognition,
            agreement_benefit=self.agreement_benefit,
            safeguards_on=mode != "off",
            strict=mode == "strict",
        )

    def declined_matrix(self, rows: slice) -> BoolArray:
        """Pairs of ``excluded_pairs`` among deposits ``rows`` x all withdrawals, (0, 0) when
        the scenario declines none (the compiled rules then skip E12).

        Postings named in ``excluded_pairs`` are never merged into classes (see
        `solver.classes.merge`), so a representative's id is the posting's own id here.
        """
        if not self.ctx.excluded:
            return np.zeros((0, 0), dtype=bool)
        out = np.zeros((len(self.o[rows]), len(self.t)), dtype=bool)
        wpos = {w.id: j for j, w in enumerate(self.withdrawals)}
        dpos = {d.id: i for i, d in enumerate(self.deposits[rows])}
        for did, wid in self.ctx.excluded:
            i, j = dpos.get(did), wpos.get(wid)
            if i is not None and j is not None:
                out[i, j] = True
        return out

    def first_failures(self, rows: slice) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16]]:
        """First failing rule (k + 1 for CODES[k], 0: eligible) of deposits ``rows`` x every
        withdrawal, and the pair's sum of language level gaps (-1 where it failed before E10)."""
        codes: npt.NDArray[np.int8]
        gaps: npt.NDArray[np.int16]
        codes, gaps = block_codes(
            self.deposit_side(rows),
            self.withdrawal_side(),
            self.country_facts(),
            self.declined_matrix(rows),
        )
        return codes, gaps
