"""Scenario validation: every problem of a raw scenario, with its path, or the parsed `Scenario`.

Field checks (formats, ranges, unknown fields) come from the pydantic models in `solver.schema`;
this module adds the cross-reference checks (unknown country, duplicate ids, inverted windows) and
runs them on the raw dict too, so a scenario with both kinds of problems reports all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from solver.schema import Problem, Scenario

_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def format_path(loc: Iterable[int | str]) -> str:
    """``("deposits", 3, "count")`` -> ``deposits[3].count``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def _items(raw: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def cross_reference_problems(raw: dict[str, Any]) -> list[Problem]:
    """Problems pydantic cannot see: references, duplicates, windows (lenient on bad input)."""
    problems: list[Problem] = []

    def add(path: str, message: str) -> None:
        problems.append(Problem(path=path, message=message))

    countries: set[str] = set()
    for i, country in _items(raw, "countries"):
        code = country.get("code")
        if isinstance(code, str):
            if code in countries:
                add(f"countries[{i}].code", f"duplicate country code {code!r}")
            countries.add(code)

    # paths are formatted only for a problem: a round holds up to 100,000 postings, each valid
    def ref(code: Any, path: str, i: int, field: str, j: int | None = None) -> None:
        if isinstance(code, str) and code not in countries:
            where = f"{path}[{i}].{field}" + ("" if j is None else f"[{j}]")
            add(where, f"unknown country {code!r} (not in countries)")

    def window(path: str, i: int, item: dict[str, Any], lo: str, hi: str) -> None:
        a, b = item.get(lo), item.get(hi)
        if isinstance(a, str) and isinstance(b, str) and a > b:
            if _MONTH.match(a) and _MONTH.match(b):
                add(f"{path}[{i}].{lo}", f"{lo} {a} is after {hi} {b}")

    seen_facts: set[tuple[str, str]] = set()
    for i, fact in _items(raw, "workforce"):
        ref(fact.get("country"), "workforce", i, "country")
        where, what = fact.get("country"), fact.get("cadre")
        if isinstance(where, str) and isinstance(what, str):
            if (where, what) in seen_facts:
                add(f"workforce[{i}]", f"duplicate workforce fact for {where} {what}")
            seen_facts.add((where, what))

    known: dict[str, set[str]] = {}
    for key, fields, windows in (
        ("agreements", ("origin", "destination"), (("valid_from", "valid_to"),)),
        ("deposits", ("country",), (("available_from", "available_to"),)),
        ("withdrawals", ("country",), (("start_from", "start_to"),)),
    ):
        ids: set[str] = set()
        for i, item in _items(raw, key):
            ident = item.get("id")
            if isinstance(ident, str):
                if ident in ids:
                    add(f"{key}[{i}].id", f"duplicate id {ident!r} in {key}")
                ids.add(ident)
            for field in fields:
                ref(item.get(field), key, i, field)
            for lo, hi in windows:
                window(key, i, item, lo, hi)
            for field in ("excluded_destinations", "preferred_destinations", "preferred_origins"):
                for j, code in enumerate(_str_list(item.get(field))):
                    ref(code, key, i, field, j)
        known[key] = ids
    for i, pair in _items(raw, "excluded_pairs"):
        for field, key in (("deposit_id", "deposits"), ("withdrawal_id", "withdrawals")):
            ident = pair.get(field)
            if isinstance(ident, str) and ident not in known.get(key, set()):
                add(f"excluded_pairs[{i}].{field}", f"unknown id {ident!r} (not in {key})")
    return problems


def validate_scenario(raw: Any) -> Scenario | list[Problem]:
    """The `Scenario` of ``raw`` or the list of all its problems (never raises on bad input)."""
    if not isinstance(raw, dict):
        return [Problem(path="$", message="a scenario must be a JSON object")]
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            problems.append(Problem(path=format_path(loc), message=err["msg"]))
    problems.extend(cross_reference_problems(raw))
    if problems or scenario is None:
        return problems
    return scenario
