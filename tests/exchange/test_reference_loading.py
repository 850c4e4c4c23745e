"""Reference data after ``load_reference``: counts from DOMAIN.md, valid codes, idempotent loads."""

from __future__ import annotations

import pycountry
import pytest
from sqlmodel import Session, col, func, select

from exchange.errors import InvalidInput, NotFound
from exchange.reference.service import (
    load_dataset,
    load_reference,
    reference_summary,
    safeguard_listed_codes,
)
from exchange.reference.tables import (
    Cadre,
    Country,
    SafeguardEdition,
    SafeguardListing,
    WorkforceFact,
)

ISO3 = {c.alpha_3 for c in pycountry.countries}


@pytest.fixture
def referenced(session: Session) -> Session:
    load_reference(session=session)
    session.commit()
    return session


def test_reference_matches_the_domain_brief(referenced: Session) -> None:
    summary = reference_summary(session=referenced, as_of="2026-11")
    assert summary["aaah_members"] == 18  # 22 claimed, 18 confirmed (DOMAIN.md)
    assert summary["safeguard_listed"] == 55
    assert summary["cadres"] == 23
    assert summary["countries"] == len(ISO3)
    listed = safeguard_listed_codes(session=referenced, as_of="2026-11")
    assert {"NPL", "LAO", "PAK", "BGD", "WSM", "GNQ", "CIV"} <= listed
    assert not {"PHL", "IND", "DEU"} & listed
    with pytest.raises(InvalidInput, match="in force from 2023-03"):
        safeguard_listed_codes(session=referenced, as_of="2020-01")  # the 2020 edition is not
    # complete (fixtures/reference/safeguard_list.json), so it is not loaded: 2023 is the earliest
    editions = referenced.exec(select(SafeguardEdition.edition)).all()
    assert editions == ["2023"]
    members = set(referenced.exec(select(Country.code).where(col(Country.aaah_member).is_(True))))
    assert {"JOR", "PAK", "JPN"}.isdisjoint(members)
    assert referenced.get(Country, "DEU").licensing_languages  # type: ignore[union-attr]


def test_every_code_is_valid(referenced: Session) -> None:
    assert set(referenced.exec(select(Country.code))) <= ISO3
    assert set(referenced.exec(select(SafeguardListing.country))) <= ISO3
    assert set(referenced.exec(select(WorkforceFact.country))) <= ISO3
    cadres = set(referenced.exec(select(Cadre.code)))
    assert all(len(c) == 4 and c.isdigit() for c in cadres)
    assert set(referenced.exec(select(WorkforceFact.cadre))) <= cadres


def test_loading_twice_duplicates_nothing(referenced: Session) -> None:
    again = load_reference(session=referenced)
    assert set(again.values()) == {0}
    count = referenced.exec(select(func.count()).select_from(SafeguardListing)).one()
    assert count == 55


def test_datasets_need_reference_and_a_known_name(session: Session) -> None:
    with pytest.raises(NotFound):
        load_dataset(session=session, name="nowhere")
    with pytest.raises(InvalidInput):
        load_dataset(session=session, name="asia-pacific-demo")
