"""Pydantic shapes of reference data: countries, cadres and workforce facts."""

from __future__ import annotations

from sqlmodel import SQLModel

from exchange.bodies import RequestBody
from exchange.bounds import Stock, UsdPerWorker
from exchange.codes import CadreCode, CountryCode, LanguageCode


class CountryBase(SQLModel):
    """Fields of a country that an admin edits."""

    name: str
    aaah_member: bool = False
    licensing_languages: dict[LanguageCode, str] = {}
    notes: str | None = None


class CountryUpsert(RequestBody):
    """An admin's PUT of a country: every field optional on update, ``name`` needed on create.

    ``safeguard_listed`` adds the country to (or removes it from) the current edition of the
    safeguards list; it is not a column of the country.
    """

    name: str | None = None
    aaah_member: bool | None = None
    licensing_languages: dict[LanguageCode, str] | None = None
    safeguard_listed: bool | None = None
    notes: str | None = None


class CountryPublic(CountryBase):
    """A country as clients see it, with its safeguard status at a month (this month unless
    asked) and the edition of the safeguards list in force then (null when none is recorded)."""

    code: CountryCode
    safeguard_listed: bool
    safeguard_edition: str | None = None
    version: int


class CountriesPublic(SQLModel):
    """A list of countries, their safeguard status as of ``as_of`` (YYYY-MM)."""

    data: list[CountryPublic]
    count: int
    as_of: str


class CadrePublic(SQLModel):
    """An ISCO-08 health cadre."""

    code: CadreCode
    name: str


class WorkforceBase(SQLModel):
    """What is known of a country's stock of one cadre."""

    stock: Stock | None = None
    education_cost_usd: UsdPerWorker | None = None
    positive_list: bool = False
    source: str | None = None


class WorkforceUpdate(RequestBody):
    """A planner's PUT of a workforce fact (absent fields keep their value)."""

    stock: Stock | None = None
    education_cost_usd: UsdPerWorker | None = None
    positive_list: bool | None = None
    source: str | None = None


class WorkforcePublic(WorkforceBase):
    """A workforce fact as clients see it."""

    country: CountryCode
    cadre: CadreCode
    version: int
