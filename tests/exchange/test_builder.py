"""The scenario builder: open postings frozen into a valid MATCHING.md scenario."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

import solver
from exchange.agreements.service import create_agreement, delete_agreement
from exchange.db import session_scope
from exchange.errors import InvalidInput
from exchange.postings.service import create_deposit, create_withdrawal, withdraw_deposit
from exchange.postings.tables import Deposit, Withdrawal
from exchange.reference.service import upsert_country
from exchange.reference.tables import WorkforceFact
from exchange.rounds import documents
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.scenarios import builder
from exchange.scenarios.builder import build_scenario
from exchange.timestamps import current_month
from tests.exchange.factories import ADMIN, deposit_payload, seed_reference, withdrawal_payload


@pytest.fixture
def loaded(session: Session) -> Session:
    seed_reference(session)
    create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d2"))
    create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d1", cadre="2240"))
    gone = create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d3"))
    withdraw_deposit(session=session, actor=ADMIN, deposit_id=gone.id, expected_version=1)
    used = create_deposit(session=session, actor=ADMIN, data=deposit_payload(id="d4"))
    used.remaining = 0
    used.status = "filled"
    create_withdrawal(session=session, actor=ADMIN, data=withdrawal_payload(id="w1"))
    partly = create_withdrawal(
        session=session, actor=ADMIN, data=withdrawal_payload(id="w2", country="GBR")
    )
    partly.remaining = 4
    create_agreement(
        session=session,
        actor=ADMIN,
        data={
            "id": "a1",
            "origin": "NPL",
            "destination": "DEU",
            "valid_from": "2024-01",
            "valid_to": "2030-12",
            "g2g": True,
        },
    )
    create_agreement(
        session=session,
        actor=ADMIN,
        data={
            "id": "a0",
            "origin": "PHL",
            "destination": "DEU",
            "valid_from": "2024-01",
            "valid_to": "2030-12",
        },
    )
    delete_agreement(session=session, actor=ADMIN, agreement_id="a0", expected_version=1)
    session.add(WorkforceFact(country="NPL", cadre="2221", stock=9000, positive_list=True))
    session.commit()
    return session


def test_open_postings_with_remaining_become_the_scenario(loaded: Session) -> None:
    scenario = build_scenario(session=loaded, policy={"seed": 7}, as_of="2026-11")
    assert list(scenario) == [
        "as_of",
        "policy",
        "countries",
        "workforce",
        "agreements",
        "deposits",
        "withdrawals",
    ]
    assert scenario["as_of"] == "2026-11"
    assert scenario["policy"]["seed"] == 7
    assert scenario["policy"]["safeguard_mode"] == "strict"
    assert [d["id"] for d in scenario["deposits"]] == ["d1", "d2"]
    assert [(w["id"], w["count"]) for w in scenario["withdrawals"]] == [("w1", 10), ("w2", 4)]
    assert [a["id"] for a in scenario["agreements"]] == ["a1"]
    assert [c["code"] for c in scenario["countries"]] == ["DEU", "GBR", "JPN", "NPL", "PHL"]
    listed = [c["code"] for c in scenario["countries"] if c["safeguard_listed"]]
    assert listed == ["NPL"]
    assert scenario["workforce"] == [
        {
            "country": "NPL",
            "cadre": "2221",
            "stock": 9000,
            "education_cost_usd": None,
            "positive_list": True,
        }
    ]
    assert isinstance(solver.validate(scenario), solver.Scenario)


def test_filters_by_country_and_cadre(loaded: Session) -> None:
    scenario = build_scenario(session=loaded, countries=["npl", "GBR"], cadres=["2221"])
    assert [d["id"] for d in scenario["deposits"]] == ["d2"]
    assert [w["id"] for w in scenario["withdrawals"]] == ["w2"]
    only_referenced = build_scenario(session=loaded, countries=["NPL"], all_countries=False)
    assert [c["code"] for c in only_referenced["countries"]] == ["DEU", "NPL"]
    assert isinstance(solver.validate(only_referenced), solver.Scenario)


def test_defaults_and_bad_policy(loaded: Session) -> None:
    scenario = build_scenario(session=loaded)
    assert scenario["as_of"] == current_month()
    with pytest.raises(InvalidInput) as caught:
        build_scenario(session=loaded, policy={"mode": 1, "safeguard_mode": "lax"}, as_of="26-1")
    assert {p.loc for p in caught.value.problems} == {
        ("as_of",),
        ("policy", "mode"),
        ("policy", "safeguard_mode"),
    }


def test_snapshot_rows_hold_the_stored_values_with_their_types(loaded: Session) -> None:
    """The database writes each row as JSON: booleans stay booleans, JSON columns nest, nulls stay
    null, on both engines."""
    scenario = build_scenario(session=loaded, as_of="2026-11")
    for key, table in (("deposits", Deposit), ("withdrawals", Withdrawal)):
        for row in scenario[key]:
            stored = loaded.get(table, row["id"])
            assert stored is not None
            expected = {
                name: stored.remaining if name == "count" else getattr(stored, name) for name in row
            }
            assert row == expected
            assert [type(v) for v in row.values()] == [type(v) for v in expected.values()]
    agreement = scenario["agreements"][0]
    assert agreement["g2g"] is True
    assert isinstance(agreement["cadres"], list)
    assert isinstance(agreement["quotas"], dict)
    assert all(isinstance(c["licensing_languages"], dict) for c in scenario["countries"])
    withdrawal = scenario["withdrawals"][0]
    assert isinstance(withdrawal["requires_recognition"], bool)


def test_the_snapshot_freezes_the_safeguards_edition_in_force(loaded: Session) -> None:
    """An admin's change is a new edition from this month: later snapshots list it, a snapshot
    as of an earlier month keeps the edition then in force, and a month before the earliest
    edition is refused at ``as_of`` (it listed nobody, so a round then moved workers out of
    listed countries)."""
    upsert_country(session=loaded, actor=ADMIN, code="PHL", data={"safeguard_listed": True})
    loaded.commit()

    def listed(as_of: str) -> list[str]:
        scenario = build_scenario(session=loaded, as_of=as_of)
        return [c["code"] for c in scenario["countries"] if c["safeguard_listed"]]

    assert listed(current_month()) == ["NPL", "PHL"]
    assert listed("2024-01") == ["NPL"]
    with pytest.raises(InvalidInput) as caught:
        listed("2020-01")
    assert [p.loc for p in caught.value.problems] == [("as_of",)]
    assert "in force from 2023-03" in caught.value.problems[0].msg


def test_a_round_freezes_its_postings_as_of_one_instant(
    loaded: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close committed while a round's snapshot is read (here between the deposits and the
    withdrawals) is in all of the snapshot or in none of it. On PostgreSQL the close commits at
    once and the reads share one REPEATABLE READ view from before it; on SQLite the close waits for
    the round's transaction."""
    rnd = create_round(session=loaded, actor=ADMIN, data=RoundCreate(name="r"))
    loaded.commit()
    assert rnd.id is not None
    closed = threading.Event()

    def close_elsewhere() -> None:
        with session_scope(engine) as other:
            other.execute(update(Deposit).where(col(Deposit.id) == "d2").values(remaining=1))
            other.execute(update(Withdrawal).where(col(Withdrawal.id) == "w1").values(remaining=1))
        closed.set()

    read_postings = builder._open_postings
    closer = threading.Thread(target=close_elsewhere)

    def reading(session: Session, table: Any, *args: Any) -> list[dict[str, Any]]:
        rows = read_postings(session, table, *args)
        if table is Deposit:
            closer.start()
            if engine.dialect.name == "postgresql":
                assert closed.wait(10), "the close should not wait for a read-only snapshot"
            else:
                assert not closed.wait(0.2), "the close should wait for the round's transaction"
        return rows

    monkeypatch.setattr(builder, "_open_postings", reading)
    run_round(session=loaded, actor=ADMIN, round_id=rnd.id)
    scenario = documents.get(loaded, rnd.id, "scenario")
    loaded.commit()
    closer.join(10)
    assert closed.is_set()
    assert scenario is not None
    deposits = {d["id"]: d["count"] for d in scenario["deposits"]}
    withdrawals = {w["id"]: w["count"] for w in scenario["withdrawals"]}
    assert (deposits["d2"], withdrawals["w1"]) == (20, 10)  # both from before the close
    assert loaded.get(Deposit, "d2").remaining == 1  # type: ignore[union-attr]
