"""Reference data: countries (with safeguard status by edition), cadres, workforce facts.

Loading the reference files and the demo dataset lives in ``exchange.reference.loading``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session, col, select

from exchange.audit.service import record, snapshot
from exchange.bounds import STOCK_MAX, USD_PER_WORKER_MAX
from exchange.errors import InvalidInput, NotFound, Problem
from exchange.identity.actor import SYSTEM, Actor, require_role, require_workforce_writer
from exchange.reference.editions import ListingAt, edition_in_force, listing_at
from exchange.reference.schemas import (
    CountriesPublic,
    CountryPublic,
    CountryUpsert,
    WorkforcePublic,
    WorkforceUpdate,
)
from exchange.reference.tables import (
    Cadre,
    Country,
    SafeguardEdition,
    SafeguardListing,
    WorkforceFact,
)
from exchange.reference.validation import (
    check_languages,
    check_range,
    failed_locs,
    parse_model,
    raw_fields,
)
from exchange.timestamps import current_month, utcnow
from exchange.versions import Expected, next_version, require_version

ADMIN_EDITION_PREFIX = "admin-"


def safeguard_listed_codes(*, session: Session, as_of: str | None = None) -> set[str]:
    """The countries on the safeguards list in force at ``as_of`` (default: this month);
    ``InvalidInput`` before the earliest recorded edition (``exchange.reference.editions``)."""
    return set(listing_at(session=session, as_of=as_of).countries)


def is_safeguard_listed(*, session: Session, country: str, as_of: str | None = None) -> bool:
    """Whether ``country`` is on the safeguards list in force at ``as_of`` (default: this month)."""
    return country in listing_at(session=session, as_of=as_of).countries


def country_public(country: Country, listing: ListingAt) -> CountryPublic:
    """The public shape of a country, with its safeguard status in ``listing``."""
    return CountryPublic(
        code=country.code,
        name=country.name,
        aaah_member=country.aaah_member,
        licensing_languages=dict(country.licensing_languages),
        notes=country.notes,
        safeguard_listed=country.code in listing.countries,
        safeguard_edition=listing.edition,
        version=country.version,
    )


def list_countries(
    *, session: Session, as_of: str | None = None, field: tuple[str, ...] = ("as_of",)
) -> CountriesPublic:
    """Every country known to the exchange, by code, with its safeguard status at ``as_of``
    (default: this month); a month before the earliest recorded edition is refused at ``field``."""
    listing = listing_at(session=session, as_of=as_of, field=field)
    countries = session.exec(select(Country).order_by(col(Country.code)))
    data = [country_public(c, listing) for c in countries]
    return CountriesPublic(data=data, count=len(data), as_of=listing.month)


def get_country(
    *,
    session: Session,
    code: str,
    as_of: str | None = None,
    field: tuple[str, ...] = ("as_of",),
) -> CountryPublic:
    """One country by ISO alpha-3 code, with its safeguard status at ``as_of`` (default: this
    month); a month before the earliest recorded edition is refused at ``field``."""
    listing = listing_at(session=session, as_of=as_of, field=field)
    country = session.get(Country, code.upper())
    if country is None:
        raise NotFound(f"country {code!r} not found")
    return country_public(country, listing)


def _set_safeguard_listed(*, session: Session, code: str, listed: bool) -> None:
    """List or delist ``code`` from this month on, in an admin edition copied from the current."""
    month = current_month()
    name = f"{ADMIN_EDITION_PREFIX}{month}"
    current = edition_in_force(session=session, as_of=month)
    if current is None or current.edition != name:
        edition = SafeguardEdition(
            edition=name,
            valid_from=month,
            source=f"edited by an admin, from {current.edition if current else 'no edition'}",
        )
        session.add(edition)
        session.flush()
        if current is not None:
            old = session.exec(
                select(SafeguardListing.country).where(SafeguardListing.edition == current.edition)
            )
            for country in old:
                session.add(SafeguardListing(edition=name, country=country))
        session.flush()
    existing = session.get(SafeguardListing, (name, code))
    if listed and existing is None:
        session.add(SafeguardListing(edition=name, country=code))
    elif not listed and existing is not None:
        session.delete(existing)
    session.flush()


def _alpha3(code: str) -> bool:
    """Whether ``code`` has the form of an ISO 3166-1 alpha-3 code (three letters)."""
    return len(code) == 3 and code.isalpha()


def check_country_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str], code: str | None = None
) -> list[Problem]:
    """The meaning problems of a country body for ``code`` (its licensing languages' levels; a
    name, if the country is new), leaving out the fields in ``skip`` (refused already for their
    type or name)."""
    problems: list[Problem] = []
    languages = data.get("licensing_languages")
    if "licensing_languages" not in skip and isinstance(languages, Mapping) and languages:
        check_languages(dict(languages), ("licensing_languages",), problems)
    if code is not None and _alpha3(code) and "name" not in skip and not data.get("name"):
        if session.get(Country, code.upper()) is None:
            problems.append(Problem(("name",), "a new country needs a name"))
    return problems


def check_workforce_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The meaning problems of a workforce body (numbers out of range), leaving out the fields in
    ``skip`` (refused already for their type or name)."""
    problems: list[Problem] = []
    for name, high in (("stock", STOCK_MAX), ("education_cost_usd", USD_PER_WORKER_MAX)):
        value = data.get(name)
        if name not in skip and isinstance(value, int) and not isinstance(value, bool):
            check_range(value, 0, high, (name,), problems)
    return problems


def upsert_country(
    *,
    session: Session,
    actor: Actor,
    code: str,
    data: CountryUpsert | Mapping[str, Any],
    expected_version: Expected = None,
) -> CountryPublic:
    """Create or update a country (admin); ``safeguard_listed`` edits the list from this month.

    The body as sent: when its shape is wrong (types, unknown fields) every problem of it is
    reported before the role is checked; then the role, then the meaning.
    """
    problems: list[Problem] = []
    parsed = parse_model(CountryUpsert, data, problems)
    if parsed is None:
        skip = failed_locs(problems)
        fields = raw_fields(data)
        problems += check_country_fields(session=session, data=fields, skip=skip, code=code)
        raise InvalidInput(problems)
    require_role(actor, "admin")
    code = code.upper()
    if not _alpha3(code):
        problems.append(Problem(("code",), "country code must be ISO 3166-1 alpha-3"))
    country = (
        session.get(Country, code, with_for_update=True, populate_existing=True)
        if not problems
        else None
    )
    problems += check_country_fields(session=session, data=parsed.model_dump(), skip=(), code=code)
    if problems:
        raise InvalidInput(problems)
    listed_before = is_safeguard_listed(session=session, country=code)
    before = snapshot(country)
    if before is not None:
        before["safeguard_listed"] = listed_before
    changes = parsed.model_dump(exclude_unset=True)
    listed = changes.pop("safeguard_listed", None)
    require_version(expected_version, country.version if country else None, f"country {code}")
    if country is None:
        country = Country(code=code, name=changes.pop("name"))
        action = "country.create"
    else:
        next_version(country)
        action = "country.update"
    for key, value in changes.items():
        if value is not None or key == "notes":
            setattr(country, key, value)
    country.updated_at = utcnow()
    session.add(country)
    session.flush()
    if listed is not None and listed != listed_before:
        _set_safeguard_listed(session=session, code=code, listed=listed)
    public = get_country(session=session, code=code)
    record(
        session=session,
        actor=actor,
        action=action,
        entity="country",
        entity_id=code,
        before=before,
        after=public.model_dump(),
    )
    return public


def list_cadres(*, session: Session) -> list[Cadre]:
    """Every cadre known to the exchange, by code."""
    return list(session.exec(select(Cadre).order_by(col(Cadre.code))))


def _workforce_public(country: str, cadre: str, fact: WorkforceFact | None) -> WorkforcePublic:
    if fact is None:
        return WorkforcePublic(country=country, cadre=cadre, version=0)
    return WorkforcePublic.model_validate(fact, from_attributes=True)


def _require_country_and_cadre(session: Session, country: str, cadre: str) -> None:
    if session.get(Country, country) is None:
        raise NotFound(f"country {country!r} not found")
    if session.get(Cadre, cadre) is None:
        raise NotFound(f"cadre {cadre!r} not found")


def get_workforce(*, session: Session, country: str, cadre: str) -> WorkforcePublic:
    """What is known of a country's stock of a cadre (unknown facts: nulls and version 0)."""
    country = country.upper()
    _require_country_and_cadre(session, country, cadre)
    return _workforce_public(country, cadre, session.get(WorkforceFact, (country, cadre)))


def put_workforce(
    *,
    session: Session,
    actor: Actor,
    country: str,
    cadre: str,
    data: WorkforceUpdate | Mapping[str, Any],
    expected_version: Expected = None,
) -> WorkforcePublic:
    """Create or update a workforce fact (planner, admin, or the country's own focal point: its
    stock, education cost and positive list are that country's declarations); absent fields keep
    their value, and ``null`` gives a field its MATCHING.md default (unknown; ``positive_list``
    false)."""

    problems: list[Problem] = []
    parsed = parse_model(WorkforceUpdate, data, problems)
    if parsed is None:  # the body's shape first, as for every body (``upsert_country``)
        skip = failed_locs(problems)
        problems += check_workforce_fields(session=session, data=raw_fields(data), skip=skip)
        raise InvalidInput(problems)
    country = country.upper()
    require_workforce_writer(actor, country, f"workforce {country}/{cadre}")
    _require_country_and_cadre(session, country, cadre)
    problems = check_workforce_fields(session=session, data=parsed.model_dump(), skip=())
    if problems:
        raise InvalidInput(problems)
    fact = session.get(  # FOR UPDATE: concurrent If-Match writes serialise (PostgreSQL)
        WorkforceFact, (country, cadre), with_for_update=True, populate_existing=True
    )
    # a fact nothing is known of is version 0 (what GET answers), so If-Match: 0 creates it
    current_version = fact.version if fact is not None else 0
    require_version(expected_version, current_version, f"workforce {country}/{cadre}")
    before = snapshot(fact)
    if fact is None:
        fact = WorkforceFact(country=country, cadre=cadre)
    else:
        next_version(fact)
    for key, value in parsed.model_dump(exclude_unset=True).items():
        # null is the MATCHING.md default: unknown facts, and not on the positive list
        setattr(fact, key, False if key == "positive_list" and value is None else value)
    fact.updated_at = utcnow()
    session.add(fact)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="workforce.put",
        entity="workforce",
        entity_id=f"{country}/{cadre}",
        before=before,
        after=snapshot(fact),
    )
    return _workforce_public(country, cadre, fact)


# ---------------------------------------------------------------- loading


DATASETS: tuple[str, ...] = ("asia-pacific-demo",)
"""Demo datasets ``load_dataset`` knows (from ``fixtures.datasets``)."""


def load_reference(*, session: Session) -> dict[str, int]:
    """Load cadres, every ISO country, AAAH members, safeguards editions, licensing languages and
    illustrative workforce facts from the fixtures package; reloading adds only what is missing."""
    from exchange.reference import loading

    data = loading.reference_from_fixtures()
    counts = {
        "cadres": loading.write_cadres(session, data.cadres),
        "countries": loading.write_countries(
            session, data.countries, data.aaah_members, data.licensing_languages
        ),
        "safeguard listings": 0,
    }
    for edition in data.safeguard_editions:
        counts["safeguard listings"] += loading.write_safeguard_edition(
            session, edition.edition, edition.valid_from, edition.source, edition.countries
        )
    counts["workforce facts"] = loading.write_workforce(session, data.workforce)
    return counts


def load_dataset(*, session: Session, name: str, actor: Actor | None = None) -> dict[str, int]:
    """Load a demo dataset (agreements, workforce facts, deposits, withdrawals); idempotent.

    The reference data must be loaded first (``load_reference``)."""
    from exchange.reference import loading

    if name not in DATASETS:
        raise NotFound(f"dataset {name!r} not found; one of {', '.join(DATASETS)}")
    if not loading.reference_is_loaded(session):
        raise InvalidInput([Problem(("name",), "load the reference data first")])
    dataset = loading.dataset_from_fixtures(name)
    return loading.write_dataset(session, dataset, actor or SYSTEM)


def reference_summary(*, session: Session, as_of: str | None = None) -> dict[str, int]:
    """How much reference data the exchange holds (for the demo and health checks)."""
    from sqlalchemy import func

    from exchange.agreements.tables import Agreement

    def count(statement: Any) -> int:
        return int(session.exec(statement).one())

    return {
        "countries": count(select(func.count()).select_from(Country)),
        "aaah_members": count(
            select(func.count()).select_from(Country).where(col(Country.aaah_member).is_(True))
        ),
        "safeguard_listed": len(safeguard_listed_codes(session=session, as_of=as_of)),
        "cadres": count(select(func.count()).select_from(Cadre)),
        "agreements": count(
            select(func.count()).select_from(Agreement).where(col(Agreement.deleted).is_(False))
        ),
    }
