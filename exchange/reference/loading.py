"""Loading reference data and demo datasets into the database (idempotent: nothing is duplicated).

The data comes from the ``fixtures`` package (files with their sources); this module only writes
it. Reloading adds what is missing and never overwrites what an admin or planner edited since
(country names and flags, workforce facts), except that members named by the reference keep their
AAAH flag and listed countries stay listed in the edition that names them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from exchange.agreements.service import create_agreement
from exchange.agreements.tables import Agreement
from exchange.identity.actor import SYSTEM, Actor
from exchange.postings.service import create_deposit, create_withdrawal
from exchange.postings.tables import Deposit, Withdrawal
from exchange.reference.tables import (
    Cadre,
    Country,
    SafeguardEdition,
    SafeguardListing,
    WorkforceFact,
)


def write_cadres(session: Session, cadres: Iterable[tuple[str, str]]) -> int:
    """Insert missing cadres; the number inserted."""
    added = 0
    for code, name in cadres:
        if session.get(Cadre, code) is None:
            session.add(Cadre(code=code, name=name))
            added += 1
    session.flush()
    return added


def write_countries(
    session: Session,
    countries: Iterable[tuple[str, str]],
    aaah_members: Iterable[str],
    licensing_languages: Mapping[str, Mapping[str, str]],
) -> int:
    """Insert missing countries, flag AAAH members, fill empty licensing languages."""
    added = 0
    members = set(aaah_members)
    for code, name in countries:
        country = session.get(Country, code)
        if country is None:
            country = Country(code=code, name=name)
            added += 1
        if code in members:
            country.aaah_member = True
        if not country.licensing_languages and code in licensing_languages:
            country.licensing_languages = dict(licensing_languages[code])
        session.add(country)
    session.flush()
    return added


def write_safeguard_edition(
    session: Session, edition: str, valid_from: str, source: str, countries: Iterable[str]
) -> int:
    """Insert an edition of the safeguards list and its missing listings; listings inserted."""
    if session.get(SafeguardEdition, edition) is None:
        session.add(SafeguardEdition(edition=edition, valid_from=valid_from, source=source))
        session.flush()
    added = 0
    for code in countries:
        if session.get(SafeguardListing, (edition, code)) is None:
            session.add(SafeguardListing(edition=edition, country=code))
            added += 1
    session.flush()
    return added


def write_workforce(session: Session, facts: Iterable[Mapping[str, Any]]) -> int:
    """Insert missing workforce facts (a planner's edits are kept); the number inserted."""
    added = 0
    for fact in facts:
        key = (fact["country"], fact["cadre"])
        if session.get(WorkforceFact, key) is not None:
            continue
        session.add(
            WorkforceFact(
                country=fact["country"],
                cadre=fact["cadre"],
                stock=fact.get("stock"),
                education_cost_usd=fact.get("education_cost_usd"),
                positive_list=bool(fact.get("positive_list", False)),
                source=fact.get("source"),
            )
        )
        added += 1
    session.flush()
    return added


def write_dataset(
    session: Session, dataset: Mapping[str, Any], actor: Actor = SYSTEM
) -> dict[str, int]:
    """Insert a dataset's agreements, workforce facts and postings that are not there yet.

    Agreements and postings go through their services (validated, audited); an existing id is
    skipped, so loading twice writes nothing the second time.
    """
    counts = {"agreements": 0, "workforce facts": 0, "deposits": 0, "withdrawals": 0}
    for agreement in dataset.get("agreements", []):
        if session.get(Agreement, agreement["id"]) is None:
            create_agreement(session=session, actor=actor, data=_without_nulls(agreement))
            counts["agreements"] += 1
    counts["workforce facts"] = write_workforce(session, dataset.get("workforce", []))
    for deposit in dataset.get("deposits", []):
        if session.get(Deposit, deposit["id"]) is None:
            create_deposit(session=session, actor=actor, data=_without_nulls(deposit))
            counts["deposits"] += 1
    for withdrawal in dataset.get("withdrawals", []):
        if session.get(Withdrawal, withdrawal["id"]) is None:
            create_withdrawal(session=session, actor=actor, data=_without_nulls(withdrawal))
            counts["withdrawals"] += 1
    return counts


def _without_nulls(row: Mapping[str, Any]) -> dict[str, Any]:
    """MATCHING.md: a field given as null is absent (its default applies)."""
    return {k: v for k, v in row.items() if v is not None}


def reference_is_loaded(session: Session) -> bool:
    """Whether reference data is in the database (some cadre and some country)."""
    return (
        session.exec(select(Cadre.code)).first() is not None
        and session.exec(select(Country.code)).first() is not None
    )


@dataclass(frozen=True)
class EditionData:
    """One edition of the safeguards list as the fixtures give it."""

    edition: str
    valid_from: str
    source: str
    countries: list[str]


@dataclass(frozen=True)
class ReferenceData:
    """Everything ``load_reference`` writes, read from the fixtures package."""

    countries: list[tuple[str, str]]
    cadres: list[tuple[str, str]]
    aaah_members: list[str]
    safeguard_editions: list[EditionData]
    licensing_languages: dict[str, dict[str, str]]
    workforce: list[dict[str, Any]]


def reference_from_fixtures() -> ReferenceData:
    """The reference data of ``fixtures.reference`` (typed loaders over its sourced JSON files)."""
    from fixtures import reference

    return ReferenceData(
        countries=[(c.code, c.name) for c in reference.load_countries()],
        cadres=[(c.code, c.name) for c in reference.load_cadres()],
        aaah_members=sorted(reference.aaah_member_codes()),
        safeguard_editions=[
            EditionData(
                edition=e.edition,
                valid_from=e.valid_from,
                source=f"{e.title} ({e.publisher}, ISBN {e.isbn})" if e.isbn else e.title,
                countries=list(e.countries),
            )
            for e in reference.recorded_editions()  # an incomplete edition is cited, not used
        ],
        licensing_languages={
            d.code: dict(d.licensing_languages) for d in reference.load_destinations()
        },
        workforce=[
            {
                "country": f.country,
                "cadre": f.cadre,
                "stock": f.stock,
                "education_cost_usd": f.education_cost_usd,
                "positive_list": f.positive_list,
                "source": "illustrative (fixtures/reference/workforce_facts.json)",
            }
            for f in reference.load_workforce_facts()
        ],
    )


def dataset_from_fixtures(name: str) -> dict[str, Any]:
    """A demo dataset of ``fixtures.datasets`` (MATCHING.md field names)."""
    datasets = importlib.import_module("fixtures.datasets")
    data: dict[str, Any] = datasets.load_dataset(name)
    return data
