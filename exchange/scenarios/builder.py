"""Build a MATCHING.md scenario from the database: the snapshot a round freezes and solves.

The scenario holds every OPEN posting with at least one worker or position remaining (its
``remaining`` becomes the scenario's ``count``), optionally restricted to some countries (a deposit
by its origin, a withdrawal by its destination) and cadres; every country known to the exchange
(so the safeguard status of all of them, from the edition of the safeguards list in force at
``as_of``, is frozen with the round; a month before the earliest recorded edition is refused at
``as_of``) unless ``all_countries`` is False, in which case only the countries the scenario refers
to; the workforce facts in scope; and every agreement not deleted. Keys follow MATCHING.md's
order; lists are sorted by id (countries by code, workforce by country then cadre).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import JSON, Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import Session

import solver.schema
from exchange.agreements.tables import Agreement
from exchange.errors import InvalidInput, Problem
from exchange.gc_pause import gc_paused
from exchange.postings.tables import Deposit, Withdrawal
from exchange.reference.editions import listing_at
from exchange.reference.tables import Country, WorkforceFact
from exchange.reference.validation import MONTH_RE, SAFEGUARD_MODES
from exchange.timestamps import current_month


def _policy_defaults() -> dict[str, Any]:
    """MATCHING.md's policy defaults, as the solver's schema states them (whole numbers as JSON
    integers), written out in full so that a frozen scenario is explicit."""
    defaults: dict[str, Any] = {}
    for name, field in solver.schema.Policy.model_fields.items():
        value = field.get_default(call_default_factory=True)
        if isinstance(value, Decimal | float) and value == int(value):
            value = int(value)
        defaults[name] = value
    return defaults


DEFAULT_POLICY: dict[str, Any] = _policy_defaults()
"""The policy a round takes for every field it leaves out."""

AGREEMENT_FIELDS = (
    "id",
    "origin",
    "destination",
    "g2g",
    "cadres",
    "valid_from",
    "valid_to",
    "quotas",
    "benefit_usd_per_worker",
    "recognition",
)
DEPOSIT_FIELDS = (
    "id",
    "country",
    "cadre",
    "count",
    "languages",
    "available_from",
    "available_to",
    "modalities",
    "max_duration_months",
    "min_benefit_usd_per_worker",
    "excluded_destinations",
    "preferred_destinations",
)
WORKFORCE_FIELDS = ("country", "cadre", "stock", "education_cost_usd", "positive_list")
COUNTRY_FIELDS = ("code", "name", "licensing_languages")
WITHDRAWAL_FIELDS = (
    "id",
    "country",
    "cadre",
    "count",
    "required_languages",
    "language_training_months",
    "benefit_usd_per_worker",
    "priority",
    "start_from",
    "start_to",
    "modality",
    "duration_months",
    "requires_recognition",
    "preferred_origins",
)


def scenario_policy(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """``policy`` over MATCHING.md's defaults, in MATCHING.md's key order; unknown keys refused."""
    problems: list[Problem] = []
    given = dict(policy or {})
    for key in given:
        if key not in DEFAULT_POLICY:
            problems.append(Problem(("policy", key), "unknown policy field"))
    mode = given.get("safeguard_mode")
    if mode is not None and mode not in SAFEGUARD_MODES:
        problems.append(
            Problem(("policy", "safeguard_mode"), f"must be one of {', '.join(SAFEGUARD_MODES)}")
        )
    if problems:
        raise InvalidInput(problems)
    merged = dict(DEFAULT_POLICY)
    for key, value in given.items():
        if value is not None:
            merged[key] = value
    return merged


def _rows(
    session: Session,
    table: Any,
    fields: tuple[str, ...],
    *conditions: Any,
    order_by: tuple[str, ...] = ("id",),
) -> list[dict[str, Any]]:
    """Rows of ``table`` that meet ``conditions``, as dicts of ``fields`` in that key order.

    A snapshot reads thousands of rows. They come back as plain columns (having the database write
    each row as a JSON object cost PostgreSQL more than the whole query), and the values of the
    JSON columns, read as their stored text, are parsed together in one call rather than one by
    one. ``count`` reads ``remaining``.
    """
    columns = table.__table__.c
    selected, json_at = _plain_columns(table, fields)
    query = sa_select(*selected).where(*conditions).order_by(*(columns[name] for name in order_by))
    tuples = session.connection().execute(query).all()
    if not json_at:
        return [dict(zip(fields, row, strict=True)) for row in tuples]
    texts = ",".join(row[i] if row[i] is not None else "null" for row in tuples for i in json_at)
    parsed = iter(orjson.loads("[" + texts + "]"))
    rows: list[dict[str, Any]] = []
    for row in tuples:
        record = dict(zip(fields, row, strict=True))
        for i in json_at:
            record[fields[i]] = next(parsed)
        rows.append(record)
    return rows


@lru_cache(maxsize=32)
def _plain_columns(table: Any, fields: tuple[str, ...]) -> tuple[list[Any], tuple[int, ...]]:
    """The columns to select for ``fields`` (JSON ones as their stored text) and the positions of
    the JSON ones (built once per table: constructing them costs more than a small table's query).
    """
    columns = table.__table__.c
    selected: list[Any] = []
    json_at: list[int] = []
    for i, name in enumerate(fields):
        column = columns["remaining"] if name == "count" else columns[name]
        if isinstance(column.type, JSON):
            selected.append(cast(column, Text))
            json_at.append(i)
        else:
            selected.append(column)
    return selected, tuple(json_at)


def _open_postings(
    session: Session,
    table: type[Deposit] | type[Withdrawal],
    fields: tuple[str, ...],
    country_filter: set[str] | None,
    cadre_filter: set[str] | None,
) -> list[dict[str, Any]]:
    """The open postings in scope as scenario rows, ``remaining`` as their ``count``."""
    columns = table.__table__.c  # type: ignore[union-attr]
    open_ = [columns["status"] == "open", columns["remaining"] >= 1]
    return _rows(session, table, fields, *open_, *_in_scope(table, country_filter, cadre_filter))


def _in_scope(
    table: Any, country_filter: set[str] | None, cadre_filter: set[str] | None
) -> list[Any]:
    """Conditions restricting rows of ``table`` (by its ``country`` and ``cadre``) to a round's
    scope; none when the round has no scope."""
    columns = table.__table__.c
    conditions = []
    if country_filter is not None:
        conditions.append(columns["country"].in_(country_filter))
    if cadre_filter is not None:
        conditions.append(columns["cadre"].in_(cadre_filter))
    return conditions


def build_scenario(
    *,
    session: Session,
    policy: Mapping[str, Any] | None = None,
    as_of: str | None = None,
    countries: list[str] | None = None,
    cadres: list[str] | None = None,
    all_countries: bool = True,
) -> dict[str, Any]:
    """Freeze the open postings (in scope) and the reference data into a MATCHING.md scenario."""
    month = as_of or current_month()
    problems: list[Problem] = []
    if not MONTH_RE.match(month):
        problems.append(Problem(("as_of",), f"month must be YYYY-MM, got {month!r}"))
    try:
        frozen_policy = scenario_policy(policy)
    except InvalidInput as error:
        problems += error.problems
    if problems:
        raise InvalidInput(problems)
    # the edition in force, refused before the earliest recorded one (checked before any posting)
    listed = listing_at(session=session, as_of=month).countries
    country_filter = {c.upper() for c in countries} if countries else None
    cadre_filter = set(cadres) if cadres else None

    with gc_paused():  # thousands of postings as dicts: acyclic, see exchange.gc_pause
        deposits = _open_postings(session, Deposit, DEPOSIT_FIELDS, country_filter, cadre_filter)
        withdrawals = _open_postings(
            session, Withdrawal, WITHDRAWAL_FIELDS, country_filter, cadre_filter
        )
    agreements_t = Agreement.__table__  # type: ignore[attr-defined]
    agreements = _rows(session, Agreement, AGREEMENT_FIELDS, agreements_t.c.deleted.is_(False))
    workforce = _rows(
        session,
        WorkforceFact,
        WORKFORCE_FIELDS,
        *_in_scope(WorkforceFact, country_filter, cadre_filter),
        order_by=("country", "cadre"),
    )

    country_rows = _rows(session, Country, COUNTRY_FIELDS, order_by=("code",))
    if not all_countries:
        referenced = _referenced_countries(deposits, withdrawals, agreements, workforce)
        country_rows = [c for c in country_rows if c["code"] in referenced]
    scenario_countries = [
        {
            "code": c["code"],
            "name": c["name"],
            "safeguard_listed": c["code"] in listed,
            "licensing_languages": c["licensing_languages"],
        }
        for c in country_rows
    ]
    return {
        "as_of": month,
        "policy": frozen_policy,
        "countries": scenario_countries,
        "workforce": workforce,
        "agreements": agreements,
        "deposits": deposits,
        "withdrawals": withdrawals,
    }


def _referenced_countries(
    deposits: list[dict[str, Any]],
    withdrawals: list[dict[str, Any]],
    agreements: list[dict[str, Any]],
    workforce: list[dict[str, Any]],
) -> set[str]:
    codes: set[str] = set()
    for d in deposits:
        codes.add(d["country"])
        codes.update(d["excluded_destinations"])
        codes.update(d["preferred_destinations"])
    for w in withdrawals:
        codes.add(w["country"])
        codes.update(w["preferred_origins"])
    for a in agreements:
        codes.update((a["origin"], a["destination"]))
    codes.update(f["country"] for f in workforce)
    return codes
