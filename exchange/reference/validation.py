"""Checks shared by every input that names reference data: months, countries, cadres, languages.

Each check appends ``Problem``s to a list instead of raising, so that a service can report every
problem of a request at once; ``parse_model`` turns pydantic errors into ``Problem``s the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, get_args

import pycountry
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

import solver.schema
from exchange.codes import MONTH_PATTERN
from exchange.errors import Problem
from exchange.reference.tables import Cadre, Country

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

MONTH_RE = re.compile(MONTH_PATTERN)  # ASCII digits only: ``\d`` would take any script's
CEFR_LEVELS: tuple[str, ...] = get_args(solver.schema.Level)  # MATCHING.md's vocabulary
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SAFEGUARD_MODES: tuple[str, ...] = get_args(solver.schema.SafeguardMode)


def language_codes() -> frozenset[str]:
    """Every ISO 639-1 code."""
    return _LANGUAGES


_LANGUAGES = frozenset(
    str(lang.alpha_2) for lang in pycountry.languages if getattr(lang, "alpha_2", None)
)


def parse_model(model: type[M], payload: Any, problems: list[Problem]) -> M | None:
    """``payload`` as a ``model``, or None with every pydantic error added to ``problems``."""
    if isinstance(payload, model):
        return payload
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(exclude_unset=True)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            msg = str(error["msg"])
            if error["type"] == "extra_forbidden":
                fixed: dict[str, str] = getattr(model, "FIXED", {})
                msg = fixed.get(str(loc[0]), "unknown field") if loc else "unknown field"
            problems.append(Problem(loc, msg))
        return None


def raw_fields(payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """A body's fields as sent (a model: the fields that were set), to validate or report on."""
    if isinstance(payload, BaseModel):
        return payload.model_dump(exclude_unset=True)
    return dict(payload)


def failed_locs(problems: Iterable[Problem]) -> set[str]:
    """Top-level field names already reported (to avoid reporting a field twice)."""
    return {str(p.loc[0]) for p in problems if p.loc}


class ReferenceCodes:
    """The country and cadre codes known to the exchange, read once per validation."""

    def __init__(self, session: Session) -> None:
        self.countries = set(session.exec(select(Country.code)))
        self.cadres = set(session.exec(select(Cadre.code)))


def check_month(value: Any, loc: Loc, problems: list[Problem]) -> bool:
    """A ``YYYY-MM`` month; True when valid."""
    if value is None:
        return False
    if not isinstance(value, str) or not MONTH_RE.match(value):
        problems.append(Problem(loc, f"month must be YYYY-MM, got {value!r}"))
        return False
    return True


def check_window(
    start: Any, end: Any, start_loc: Loc, end_loc: Loc, problems: list[Problem]
) -> None:
    """Two months, the first not after the second (reported at the first)."""
    ok_start = check_month(start, start_loc, problems)
    ok_end = check_month(end, end_loc, problems)
    if ok_start and ok_end and start > end:
        problems.append(Problem(start_loc, f"{start} is after {end_loc[-1]} {end}"))


def check_country(value: Any, loc: Loc, codes: ReferenceCodes, problems: list[Problem]) -> None:
    """A country known to the exchange."""
    if value not in codes.countries:
        problems.append(Problem(loc, f"unknown country {value!r}"))


def check_countries(
    values: Iterable[Any], loc: Loc, codes: ReferenceCodes, problems: list[Problem]
) -> None:
    """A list of countries known to the exchange."""
    for i, value in enumerate(values):
        check_country(value, (*loc, i), codes, problems)


def check_cadre(value: Any, loc: Loc, codes: ReferenceCodes, problems: list[Problem]) -> None:
    """A cadre known to the exchange."""
    if value not in codes.cadres:
        problems.append(Problem(loc, f"unknown cadre {value!r}"))


def check_languages(value: Mapping[str, Any], loc: Loc, problems: list[Problem]) -> None:
    """A map of ISO 639-1 codes to CEFR levels."""
    for lang, level in value.items():
        if lang not in _LANGUAGES:
            problems.append(Problem((*loc, lang), f"unknown ISO 639-1 language code {lang!r}"))
        if level not in CEFR_LEVELS:
            problems.append(
                Problem((*loc, lang), f"CEFR level must be one of {' '.join(CEFR_LEVELS)}")
            )


def check_range(value: Any, low: int, high: int, loc: Loc, problems: list[Problem]) -> None:
    """An integer in ``low..high`` (None is allowed: the default applies); the bounds are in
    ``exchange.bounds``."""
    if value is None:
        return
    if value < low:
        what = "must not be negative" if low == 0 else f"must be at least {low}"
        problems.append(Problem(loc, f"{what}, got {value}"))
    elif value > high:
        problems.append(Problem(loc, f"must be at most {high:,}, got {value:,}"))


def check_id(value: Any, loc: Loc, problems: list[Problem]) -> None:
    """A client-chosen id: 1-64 letters, digits, dots, dashes or underscores."""
    if value is not None and not ID_RE.match(value):
        problems.append(
            Problem(loc, "id must be 1-64 letters, digits, '.', '-' or '_', starting alphanumeric")
        )
