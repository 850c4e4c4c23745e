"""Input and output models of a matching round (spec/MATCHING.md sections 1 and 5).

`Scenario` is what a round reads; `Result` is what it returns.  Field-level checks (formats, ranges,
unknown fields) live here; cross-reference checks (unknown countries, duplicate ids) live in
`solver.validation`, which also turns pydantic errors into `Problem`s.  A field given as ``null`` is
treated as absent, so its default applies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 3166-1 alpha-3 code, e.g. ``NPL``."""
CadreCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
"""ISCO-08 unit group code, four digits, e.g. ``"2221"``."""
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
"""ISO 639-1 code, e.g. ``"de"``."""
Level = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
"""CEFR level; ranked 1..6 (an unlisted language has rank 0)."""
Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
"""``YYYY-MM``; windows are inclusive."""
Money = Annotated[int, Field(ge=0)]
"""Whole US dollars."""
PostingId = Annotated[str, StringConstraints(min_length=1)]
Modality = Literal["relocation", "remote"]
SafeguardMode = Literal["strict", "code", "off"]
Status = Literal["OPTIMAL", "FEASIBLE", "INVALID"]

LEVEL_RANK: dict[str, int] = {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6}


def month_index(month: str) -> int:
    """Months since year 0, so that windows compare as integers."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


class _Input(BaseModel):
    """Base of input models: unknown fields are errors, ``null`` means absent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class Policy(_Input):
    safeguard_mode: SafeguardMode = "strict"
    benefit_floor_ratio: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    max_depletion_share: Annotated[Decimal, Field(ge=0)] | None = None
    language_months_per_level: Annotated[int, Field(ge=0)] = 6
    pair_minimum_benefit_usd: Money = 0
    time_limit_s: Annotated[float, Field(gt=0)] = 30.0
    seed: Annotated[int, Field(ge=0)] = 0


class Country(_Input):
    code: CountryCode
    name: str = ""
    safeguard_listed: bool = False
    licensing_languages: dict[LanguageCode, Level] = Field(default_factory=dict)


class WorkforceFact(_Input):
    country: CountryCode
    cadre: CadreCode
    stock: Annotated[int, Field(ge=0)] | None = None
    education_cost_usd: Money | None = None
    positive_list: bool = False
    relocated_recently: Annotated[int, Field(ge=0)] = 0
    """Workers of (country, cadre) relocated abroad through the exchange in the 12 months before
    ``as_of`` (MATCHING.md section 7): C3 allows ``max(0, floor(s x S) - n)`` this round."""


class Agreement(_Input):
    id: PostingId
    origin: CountryCode
    destination: CountryCode
    g2g: bool = False
    cadres: list[CadreCode] = Field(default_factory=list)
    valid_from: Month
    valid_to: Month
    quotas: dict[CadreCode, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    benefit_usd_per_worker: Money = 0
    recognition: bool = False
    quota_used: dict[CadreCode, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    """Placements already booked under the agreement per cadre (MATCHING.md section 7): C2
    allows ``max(0, q - n)`` this round."""


class Deposit(_Input):
    id: PostingId
    country: CountryCode
    cadre: CadreCode
    count: Annotated[int, Field(ge=1)]
    languages: dict[LanguageCode, Level] = Field(default_factory=dict)
    available_from: Month
    available_to: Month
    modalities: list[Modality] = Field(default_factory=lambda: list[Modality](["relocation"]))
    max_duration_months: Annotated[int, Field(ge=0)] | None = None
    min_benefit_usd_per_worker: Money = 0
    excluded_destinations: list[CountryCode] = Field(default_factory=list)
    preferred_destinations: list[CountryCode] = Field(default_factory=list)


class Withdrawal(_Input):
    id: PostingId
    country: CountryCode
    cadre: CadreCode
    count: Annotated[int, Field(ge=1)]
    required_languages: dict[LanguageCode, Level] = Field(default_factory=dict)
    language_training_months: Annotated[int, Field(ge=0)] = 0
    benefit_usd_per_worker: Money = 0
    priority: Annotated[int, Field(ge=1, le=5)] = 1
    start_from: Month
    start_to: Month
    modality: Modality = "relocation"
    duration_months: Annotated[int, Field(ge=0)] = 12
    requires_recognition: bool = False
    preferred_origins: list[CountryCode] = Field(default_factory=list)


class ExcludedPair(_Input):
    """A (deposit, withdrawal) pair that must not be matched (hrhx extension of MATCHING.md).

    The exchange lists here the pairs a focal point declined in an earlier round, so that the same
    two postings are not proposed to each other again.
    """

    deposit_id: str
    withdrawal_id: str


class Scenario(_Input):
    """A round's input (MATCHING.md sections 1 and 7)."""

    as_of: Month
    policy: Policy = Field(default_factory=Policy)
    countries: list[Country] = Field(default_factory=list)
    workforce: list[WorkforceFact] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    deposits: list[Deposit] = Field(default_factory=list)
    withdrawals: list[Withdrawal] = Field(default_factory=list)
    excluded_pairs: list[ExcludedPair] = Field(default_factory=list)


# ---------------------------------------------------------------- output


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Output):
    """One reason a scenario is invalid: where (``deposits[3].count``) and what."""

    path: str
    message: str


class Objective(_Output):
    priority_fill: int
    min_fill_permille: int
    benefit_usd: int


class Bound(_Output):
    """Best proven bound of each tier (equal to the value when the tier is proven optimal)."""

    priority_fill: int
    min_fill_permille: int | None = None
    benefit_usd: int | None = None


class Basis(_Output):
    """The rules that made a match lawful (MATCHING.md section 7); null means "did not apply"."""

    origin_listed: bool
    g2g_agreement_id: str | None = None
    positive_listed: bool | None = None
    recognition_agreement_id: str | None = None

    @model_serializer(mode="wrap")
    def _keep_nulls(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in ("g2g_agreement_id", "positive_listed", "recognition_agreement_id"):
            data.setdefault(name, getattr(self, name))  # null is meaningful here
        return data


class Match(_Output):
    deposit_id: str
    withdrawal_id: str
    count: int
    benefit_usd_per_worker: int
    language_training_months: int
    agreement_id: str | None = None
    basis: Basis | None = None
    """Always set by the solver; optional so that results stored before it still load."""

    @model_serializer(mode="wrap")
    def _keep_agreement_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data.setdefault("agreement_id", self.agreement_id)  # null is meaningful here
        return data


ReasonCode = Literal[
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
    "CAPACITY_USED",
    "AGREEMENT_QUOTA",
    "DEPLETION_CAP",
    "PAIR_MINIMUM_BENEFIT",
]


class Reason(_Output):
    code: ReasonCode
    workers: int
    detail: str


class UnfilledWithdrawal(_Output):
    id: str
    unfilled: int
    reasons: list[Reason]


class UnplacedDeposit(_Output):
    id: str
    unplaced: int
    reasons: list[Reason]


class Unmatched(_Output):
    withdrawals: list[UnfilledWithdrawal] = Field(default_factory=list)
    deposits: list[UnplacedDeposit] = Field(default_factory=list)


class Stats(_Output):
    pairs_considered: int
    pairs_eligible: int
    solve_seconds: float
    deposit_classes: int | None = None
    withdrawal_classes: int | None = None
    class_pairs: int | None = None
    tier_seconds: dict[str, float] | None = None
    lp_bound_priority_fill: float | None = None


class Result(_Output):
    """The outcome of a round; ``model_dump(mode="json", exclude_none=True)`` is the spec JSON."""

    status: Status
    objective: Objective | None = None
    bound: Bound | None = None
    matches: list[Match] | None = None
    unmatched: Unmatched | None = None
    stats: Stats | None = None
    errors: list[Problem] | None = None


class ProgressEvent(_Output):
    """Emitted while solving: the tier being solved, its incumbent and bound, seconds elapsed."""

    tier: int
    tier_name: str
    incumbent: float | None = None
    bound: float | None = None
    elapsed: float
