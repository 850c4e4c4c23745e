"""Tables of reference data: countries, cadres, safeguards list editions, workforce facts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exchange.timestamps import timestamp_field


class Country(SQLModel, table=True):
    """A country (ISO 3166-1 alpha-3) with what the exchange needs to know of it."""

    __tablename__ = "countries"

    code: str = Field(primary_key=True, max_length=3)
    name: str
    aaah_member: bool = False
    licensing_languages: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    notes: str | None = None
    version: int = 1
    updated_at: datetime | None = timestamp_field()


class Cadre(SQLModel, table=True):
    """An ISCO-08 unit group of health workers."""

    __tablename__ = "cadres"

    code: str = Field(primary_key=True, max_length=4)
    name: str


class SafeguardEdition(SQLModel, table=True):
    """One edition of the WHO health workforce support and safeguards list, in force from a month.

    A country is safeguard-listed at month ``m`` when it is listed in the latest edition whose
    ``valid_from`` is on or before ``m``.
    """

    __tablename__ = "safeguard_editions"

    edition: str = Field(primary_key=True)
    valid_from: str = Field(max_length=7)
    source: str


class SafeguardListing(SQLModel, table=True):
    """A country listed in an edition of the safeguards list."""

    __tablename__ = "safeguard_listings"

    edition: str = Field(foreign_key="safeguard_editions.edition", primary_key=True)
    country: str = Field(foreign_key="countries.code", primary_key=True)


class WorkforceFact(SQLModel, table=True):
    """What is known of a country's stock of one cadre (for depletion caps and benefit floors)."""

    __tablename__ = "workforce_facts"

    country: str = Field(foreign_key="countries.code", primary_key=True)
    cadre: str = Field(foreign_key="cadres.code", primary_key=True)
    stock: int | None = None
    education_cost_usd: int | None = None
    positive_list: bool = False
    source: str | None = None
    version: int = 1
    updated_at: datetime | None = timestamp_field()
