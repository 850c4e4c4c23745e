"""The rules a posting must satisfy, checked all at once (every problem is reported).

The checks run on a plain mapping of the posting's fields (after a create, or after a PATCH merged
into the stored posting) and skip fields whose type pydantic already refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, get_args

import solver.schema
from exchange.bounds import MONTHS_MAX, PRIORITY_RANGE, USD_PER_WORKER_MAX, WORKERS_MAX
from exchange.errors import Problem
from exchange.reference.validation import (
    ReferenceCodes,
    check_cadre,
    check_countries,
    check_country,
    check_id,
    check_languages,
    check_month,
    check_range,
)

MODALITIES: tuple[str, ...] = get_args(solver.schema.Modality)  # MATCHING.md's vocabulary
"""How a worker serves a destination: by moving there, or remotely (MATCHING.md)."""
DEPOSIT_RANGES: dict[str, tuple[int, int]] = {
    "count": (1, WORKERS_MAX),
    "max_duration_months": (1, MONTHS_MAX),
    "min_benefit_usd_per_worker": (0, USD_PER_WORKER_MAX),
}
"""The integer fields of a deposit and their ranges (``exchange.bounds``)."""
WITHDRAWAL_RANGES: dict[str, tuple[int, int]] = {
    "count": (1, WORKERS_MAX),
    "language_training_months": (0, MONTHS_MAX),
    "benefit_usd_per_worker": (0, USD_PER_WORKER_MAX),
    "duration_months": (1, MONTHS_MAX),
}
"""The integer fields of a withdrawal and their ranges (the priority has its own message)."""


def _ranges(
    data: Mapping[str, Any],
    ranges: Mapping[str, tuple[int, int]],
    skip: Collection[str],
    problems: list[Problem],
) -> None:
    for name, (low, high) in ranges.items():
        if name not in skip:
            check_range(data.get(name), low, high, (name,), problems)


def _window(
    data: Mapping[str, Any], start: str, end: str, skip: Collection[str], problems: list[Problem]
) -> None:
    ok_start = start not in skip and check_month(data.get(start), (start,), problems)
    ok_end = end not in skip and check_month(data.get(end), (end,), problems)
    if ok_start and ok_end and data[start] > data[end]:
        problems.append(Problem((start,), f"{data[start]} is after {end} {data[end]}"))


def _common(
    data: Mapping[str, Any], skip: Collection[str], codes: ReferenceCodes, problems: list[Problem]
) -> None:
    if "id" not in skip:
        check_id(data.get("id"), ("id",), problems)
    if "country" not in skip and "country" in data:
        check_country(data["country"], ("country",), codes, problems)
    if "cadre" not in skip and "cadre" in data:
        check_cadre(data["cadre"], ("cadre",), codes, problems)


@dataclass(frozen=True)
class PostingRules:
    """Where the rules of deposits and withdrawals differ only in the fields they apply to."""

    languages: str
    window: tuple[str, str]
    ranges: Mapping[str, tuple[int, int]]
    country_lists: tuple[str, ...]


DEPOSIT_RULES = PostingRules(
    "languages",
    ("available_from", "available_to"),
    DEPOSIT_RANGES,
    ("excluded_destinations", "preferred_destinations"),
)
WITHDRAWAL_RULES = PostingRules(
    "required_languages", ("start_from", "start_to"), WITHDRAWAL_RANGES, ("preferred_origins",)
)


def _validate(
    rules: PostingRules,
    own: Callable[[Mapping[str, Any], Collection[str], list[Problem]], None],
    data: Mapping[str, Any],
    codes: ReferenceCodes,
    skip: Collection[str],
) -> list[Problem]:
    """The shared rules in order, with the kind's ``own`` after the window (the order in which
    problems are listed)."""
    problems: list[Problem] = []
    _common(data, skip, codes, problems)
    if rules.languages not in skip:
        check_languages(data.get(rules.languages) or {}, (rules.languages,), problems)
    _window(data, *rules.window, skip, problems)
    own(data, skip, problems)
    _ranges(data, rules.ranges, skip, problems)
    for name in rules.country_lists:
        if name not in skip:
            check_countries(data.get(name) or [], (name,), codes, problems)
    return problems


def _modalities(data: Mapping[str, Any], skip: Collection[str], problems: list[Problem]) -> None:
    if "modalities" in skip:
        return
    modalities = data.get("modalities")
    if modalities is not None and not modalities:
        problems.append(Problem(("modalities",), "at least one modality is needed"))
    for i, modality in enumerate(modalities or []):
        if modality not in MODALITIES:
            msg = f"unknown modality {modality!r}; one of {', '.join(MODALITIES)}"
            problems.append(Problem(("modalities", i), msg))


def _modality_and_priority(
    data: Mapping[str, Any], skip: Collection[str], problems: list[Problem]
) -> None:
    modality = data.get("modality")
    if "modality" not in skip and modality is not None and modality not in MODALITIES:
        msg = f"unknown modality {modality!r}; one of {', '.join(MODALITIES)}"
        problems.append(Problem(("modality",), msg))
    priority = data.get("priority")
    low, high = PRIORITY_RANGE
    if "priority" not in skip and priority is not None and not low <= priority <= high:
        problems.append(Problem(("priority",), f"priority must be {low}..{high}, got {priority}"))


def validate_deposit(
    data: Mapping[str, Any], *, codes: ReferenceCodes, skip: Collection[str] = ()
) -> list[Problem]:
    """Every problem of a deposit's fields (those in ``skip`` were already reported)."""
    return _validate(DEPOSIT_RULES, _modalities, data, codes, skip)


def validate_withdrawal(
    data: Mapping[str, Any], *, codes: ReferenceCodes, skip: Collection[str] = ()
) -> list[Problem]:
    """Every problem of a withdrawal's fields (those in ``skip`` were already reported)."""
    return _validate(WITHDRAWAL_RULES, _modality_and_priority, data, codes, skip)
