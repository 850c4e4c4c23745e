"""Agreements, identity and reference services on a real database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from exchange.agreements.service import (
    create_agreement,
    delete_agreement,
    get_agreement,
    list_agreements,
    update_agreement,
)
from exchange.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    Unauthorized,
)
from exchange.identity.service import authenticate, create_user, hash_token
from exchange.identity.tables import User
from exchange.reference.service import (
    get_country,
    get_workforce,
    is_safeguard_listed,
    list_cadres,
    list_countries,
    put_workforce,
    upsert_country,
)
from exchange.reference.tables import Country, SafeguardEdition, SafeguardListing
from exchange.timestamps import current_month
from tests.exchange.factories import ADMIN, DEU_FP, NPL_FP, PLANNER, VIEWER, seed_reference


@pytest.fixture
def ref(session: Session) -> Session:
    seed_reference(session)
    return session


AGREEMENT = {
    "id": "a-npl-deu",
    "origin": "NPL",
    "destination": "DEU",
    "g2g": True,
    "cadres": ["2221"],
    "valid_from": "2024-01",
    "valid_to": "2028-12",
    "quotas": {"2221": 100},
    "benefit_usd_per_worker": 2500,
}


def test_agreements_lifecycle(ref: Session) -> None:
    created = create_agreement(session=ref, actor=PLANNER, data=AGREEMENT)
    assert (created.version, created.created_by) == (1, "planner")
    with pytest.raises(Conflict):
        create_agreement(session=ref, actor=PLANNER, data=AGREEMENT)
    edited = update_agreement(
        session=ref,
        actor=PLANNER,
        agreement_id="a-npl-deu",
        data={"recognition": True},
        expected_version=1,
    )
    assert (edited.recognition, edited.version) == (True, 2)
    with pytest.raises(PreconditionFailed):
        delete_agreement(session=ref, actor=PLANNER, agreement_id="a-npl-deu", expected_version=1)
    assert [a.id for a in list_agreements(session=ref, country="DEU")] == ["a-npl-deu"]
    delete_agreement(session=ref, actor=PLANNER, agreement_id="a-npl-deu", expected_version=2)
    assert list_agreements(session=ref) == []
    with pytest.raises(NotFound):
        get_agreement(session=ref, agreement_id="a-npl-deu")


def test_agreement_rules_and_roles(ref: Session) -> None:
    with pytest.raises(Forbidden):
        create_agreement(session=ref, actor=NPL_FP, data=AGREEMENT)
    with pytest.raises(Forbidden):
        create_agreement(session=ref, actor=VIEWER, data=AGREEMENT)
    bad = {
        **AGREEMENT,
        "destination": "NPL",
        "cadres": ["1111"],
        "valid_from": "2029-01",
        "quotas": {"2221": -1},
        "benefit_usd_per_worker": -5,
        "extra": 1,
    }
    with pytest.raises(InvalidInput) as caught:
        create_agreement(session=ref, actor=PLANNER, data=bad)
    locs = {p.loc for p in caught.value.problems}
    assert locs == {
        ("destination",),
        ("cadres", 0),
        ("valid_from",),
        ("quotas", "2221"),
        ("benefit_usd_per_worker",),
        ("extra",),
    }


def test_tokens_are_stored_only_as_hashes(ref: Session) -> None:
    user, token = create_user(session=ref, name="Ram", role="focal_point", country="NPL")
    ref.commit()
    stored = ref.exec(select(User).where(User.name == "Ram")).one()
    assert stored.token_hash == hash_token(token) != token
    actor = authenticate(session=ref, token=token)
    assert (actor.user_id, actor.role, actor.country) == (user.id, "focal_point", "NPL")
    with pytest.raises(Unauthorized):
        authenticate(session=ref, token="not-a-token")
    with pytest.raises(Unauthorized):
        authenticate(session=ref, token=None)
    with pytest.raises(Conflict):
        create_user(session=ref, name="Ram", role="viewer")


def test_user_rules(ref: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_user(session=ref, name="", role="boss", country="XXX")
    assert {p.loc for p in caught.value.problems} == {("name",), ("role",), ("country",)}
    with pytest.raises(InvalidInput):
        create_user(session=ref, name="fp", role="focal_point")


def test_safeguard_status_follows_editions(ref: Session) -> None:
    assert is_safeguard_listed(session=ref, country="NPL", as_of="2026-11")
    with pytest.raises(InvalidInput) as caught:  # before the earliest edition: refused
        is_safeguard_listed(session=ref, country="NPL", as_of="2020-01")
    (problem,) = caught.value.problems
    assert problem.loc == ("as_of",)
    assert "2020-01 is before the earliest recorded edition" in problem.msg
    assert "(who-2023, in force from 2023-03)" in problem.msg
    ref.add(SafeguardEdition(edition="who-2030", valid_from="2030-01", source="WHO 2030"))
    ref.flush()
    ref.add(SafeguardListing(edition="who-2030", country="PHL"))
    ref.flush()
    assert not is_safeguard_listed(session=ref, country="NPL", as_of="2030-02")
    assert is_safeguard_listed(session=ref, country="PHL", as_of="2030-02")
    assert not is_safeguard_listed(session=ref, country="PHL", as_of="2029-12")


def test_countries_show_their_status_and_the_edition_at_a_month(ref: Session) -> None:
    """``list_countries`` and ``get_country`` read the edition in force at ``as_of``, name it, and
    refuse a month before the earliest edition at the field they are told."""
    ref.add(SafeguardEdition(edition="who-2030", valid_from="2030-01", source="WHO 2030"))
    ref.flush()
    ref.add(SafeguardListing(edition="who-2030", country="PHL"))
    ref.flush()
    at_2024 = list_countries(session=ref, as_of="2024-01")
    assert at_2024.as_of == "2024-01"
    assert {c.code: (c.safeguard_listed, c.safeguard_edition) for c in at_2024.data}["NPL"] == (
        True,
        "who-2023",
    )
    philippines = get_country(session=ref, code="phl", as_of="2030-06")
    assert (philippines.safeguard_listed, philippines.safeguard_edition) == (True, "who-2030")
    assert not get_country(session=ref, code="NPL", as_of="2030-06").safeguard_listed
    for read in (list_countries, lambda **kw: get_country(code="NPL", **kw)):
        with pytest.raises(InvalidInput) as caught:
            read(session=ref, as_of="2022-12", field=("query", "as_of"))
        assert [p.loc for p in caught.value.problems] == [("query", "as_of")]
        assert "in force from 2023-03" in caught.value.problems[0].msg


def test_without_any_edition_nobody_is_listed_at_any_month(session: Session) -> None:
    """An exchange whose reference data holds no edition has nothing to be before."""
    session.add(Country(code="NPL", name="Nepal"))
    session.flush()
    listed = list_countries(session=session, as_of="1999-01")
    assert [(c.safeguard_listed, c.safeguard_edition) for c in listed.data] == [(False, None)]


def test_admin_upserts_countries_and_the_list_from_this_month(ref: Session) -> None:
    with pytest.raises(Forbidden):
        upsert_country(session=ref, actor=PLANNER, code="LKA", data={"name": "Sri Lanka"})
    created = upsert_country(
        session=ref,
        actor=ADMIN,
        code="lka",
        data={"name": "Sri Lanka", "aaah_member": True, "safeguard_listed": True},
    )
    assert (created.code, created.aaah_member, created.safeguard_listed) == ("LKA", True, True)
    delisted = upsert_country(
        session=ref, actor=ADMIN, code="NPL", data={"safeguard_listed": False}
    )
    assert (delisted.safeguard_listed, delisted.name, delisted.version) == (False, "Nepal", 2)
    # history is kept: Nepal was listed before this month
    assert is_safeguard_listed(session=ref, country="NPL", as_of="2024-01")
    assert not is_safeguard_listed(session=ref, country="NPL", as_of=current_month())
    assert get_country(session=ref, code="LKA").safeguard_listed
    with pytest.raises(InvalidInput):
        upsert_country(session=ref, actor=ADMIN, code="XYZ", data={"licensing_languages": {}})
    with pytest.raises(PreconditionFailed):
        upsert_country(
            session=ref, actor=ADMIN, code="NPL", data={"notes": "x"}, expected_version=1
        )
    assert [c.code for c in list_countries(session=ref).data] == [
        "DEU",
        "GBR",
        "JPN",
        "LKA",
        "NPL",
        "PHL",
    ]
    assert [c.code for c in list_cadres(session=ref)] == ["2221", "2240"]


def test_a_focal_point_declares_its_own_countrys_workforce_facts(ref: Session) -> None:
    fact = put_workforce(
        session=ref,
        actor=NPL_FP,
        country="npl",
        cadre="2221",
        data={"stock": 9000, "education_cost_usd": 4000, "positive_list": True},
    )
    assert (fact.stock, fact.education_cost_usd, fact.positive_list, fact.version) == (
        9000,
        4000,
        True,
        1,
    )


def test_workforce_facts(ref: Session) -> None:
    unknown = get_workforce(session=ref, country="NPL", cadre="2221")
    assert (unknown.stock, unknown.positive_list, unknown.version) == (None, False, 0)
    with pytest.raises(Forbidden):
        put_workforce(session=ref, actor=VIEWER, country="NPL", cadre="2221", data={"stock": 1})
    with pytest.raises(NotFound):  # another country's declarations
        put_workforce(session=ref, actor=DEU_FP, country="NPL", cadre="2221", data={"stock": 1})
    with pytest.raises(InvalidInput):
        put_workforce(
            session=ref, actor=PLANNER, country="NPL", cadre="2221", data={"stock": -1, "x": 1}
        )
    put_workforce(
        session=ref,
        actor=PLANNER,
        country="NPL",
        cadre="2221",
        data={"stock": 9000, "positive_list": True},
    )
    fact = put_workforce(
        session=ref,
        actor=PLANNER,
        country="NPL",
        cadre="2221",
        data={"education_cost_usd": 12000},
        expected_version=1,
    )
    assert (fact.stock, fact.education_cost_usd, fact.positive_list, fact.version) == (
        9000,
        12000,
        True,
        2,
    )
    with pytest.raises(NotFound):
        get_workforce(session=ref, country="NPL", cadre="9999")
