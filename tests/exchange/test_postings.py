"""The postings service: validation (every problem at once), versions, focal-point isolation."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from exchange.audit.tables import AuditEvent
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from exchange.postings.service import (
    create_deposit,
    create_withdrawal,
    get_deposit,
    get_withdrawal,
    list_deposits,
    list_withdrawals,
    postings_summary,
    update_deposit,
    update_withdrawal,
    withdraw_deposit,
    withdraw_withdrawal,
)
from exchange.postings.tables import Deposit, Withdrawal
from tests.exchange.factories import (
    ADMIN,
    DEU_FP,
    NPL_FP,
    PLANNER,
    deposit_payload,
    seed_reference,
    withdrawal_payload,
)


@pytest.fixture
def ref(session: Session) -> Session:
    seed_reference(session)
    return session


def _count(session: Session, table: type[Deposit] | type[Withdrawal]) -> int:
    return int(session.exec(select(func.count()).select_from(table)).one())


def _audits(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def test_every_problem_of_a_bad_deposit_is_named_and_nothing_written(ref: Session) -> None:
    bad = deposit_payload(
        cadre="9999",
        count=-3,
        available_from="2026-13",
        country="XXX",
        languages={"en": "Z9", "zz": "B1"},
        modalities=["teleport"],
        min_benefit_usd_per_worker=-1,
        colour="blue",
    )
    with pytest.raises(InvalidInput) as caught:
        create_deposit(session=ref, actor=ADMIN, data=bad)
    found = {(p.loc, p.msg.split(" ")[0]) for p in caught.value.problems}
    locs = {p.loc for p in caught.value.problems}
    assert ("cadre",) in locs
    assert ("count",) in locs
    assert ("available_from",) in locs
    assert ("country",) in locs
    assert ("languages", "en") in locs
    assert ("languages", "zz") in locs
    assert ("modalities", 0) in locs
    assert ("min_benefit_usd_per_worker",) in locs
    assert (("colour",), "unknown") in found
    ref.rollback()
    assert _count(ref, Deposit) == 0
    assert _audits(ref) == 0


def test_bad_withdrawal_window_priority_and_money(ref: Session) -> None:
    bad = withdrawal_payload(
        start_from="2027-08", start_to="2027-02", priority=9, benefit_usd_per_worker=-5
    )
    with pytest.raises(InvalidInput) as caught:
        create_withdrawal(session=ref, actor=DEU_FP, data=bad)
    locs = {p.loc for p in caught.value.problems}
    assert locs == {("start_from",), ("priority",), ("benefit_usd_per_worker",)}
    assert _count(ref, Withdrawal) == 0


def test_wrong_types_and_semantic_problems_are_reported_together(ref: Session) -> None:
    bad = deposit_payload(count="many", cadre="0000", available_to="late")
    with pytest.raises(InvalidInput) as caught:
        create_deposit(session=ref, actor=NPL_FP, data=bad)
    locs = {p.loc for p in caught.value.problems}
    assert {("count",), ("cadre",), ("available_to",)} <= locs


def test_create_generates_an_id_and_records_one_audit_event(ref: Session) -> None:
    deposit = create_deposit(session=ref, actor=NPL_FP, data=deposit_payload())
    assert deposit.id.startswith("dep-")
    assert (deposit.status, deposit.remaining, deposit.version) == ("open", 20, 1)
    assert deposit.created_by == "npl-fp"
    given = create_withdrawal(session=ref, actor=DEU_FP, data=withdrawal_payload(id="w-deu-1"))
    assert given.id == "w-deu-1"
    ref.commit()
    assert _audits(ref) == 2
    with pytest.raises(Conflict):
        create_withdrawal(session=ref, actor=DEU_FP, data=withdrawal_payload(id="w-deu-1"))


def test_focal_points_write_and_see_only_their_country(ref: Session) -> None:
    with pytest.raises(NotFound):
        create_deposit(session=ref, actor=DEU_FP, data=deposit_payload())
    with pytest.raises(Forbidden):
        create_deposit(session=ref, actor=PLANNER, data=deposit_payload())
    mine = create_deposit(session=ref, actor=NPL_FP, data=deposit_payload(id="d-npl"))
    create_deposit(session=ref, actor=ADMIN, data=deposit_payload(id="d-phl", country="PHL"))
    ref.commit()
    with pytest.raises(NotFound):
        get_deposit(session=ref, actor=DEU_FP, deposit_id=mine.id)
    with pytest.raises(NotFound):
        update_deposit(
            session=ref, actor=DEU_FP, deposit_id=mine.id, data={"count": 1}, expected_version=1
        )
    with pytest.raises(NotFound):
        withdraw_deposit(session=ref, actor=DEU_FP, deposit_id=mine.id, expected_version=1)
    rows, total = list_deposits(session=ref, actor=NPL_FP)
    assert ([r.id for r in rows], total) == (["d-npl"], 1)
    rows, total = list_deposits(session=ref, actor=NPL_FP, country="PHL")
    assert (rows, total) == ([], 0)
    rows, total = list_deposits(session=ref, actor=PLANNER)
    assert total == 2
    assert get_deposit(session=ref, actor=PLANNER, deposit_id="d-npl").id == "d-npl"


def test_list_filters_and_pagination(ref: Session) -> None:
    for i in range(5):
        create_withdrawal(
            session=ref,
            actor=ADMIN,
            data=withdrawal_payload(id=f"w{i}", cadre="2221" if i % 2 else "2240"),
        )
    withdraw_withdrawal(session=ref, actor=ADMIN, withdrawal_id="w4", expected_version=1)
    rows, total = list_withdrawals(session=ref, actor=PLANNER, limit=2, offset=1)
    assert ([r.id for r in rows], total) == (["w1", "w2"], 5)
    rows, total = list_withdrawals(session=ref, actor=PLANNER, cadre="2240", status="open")
    assert ([r.id for r in rows], total) == (["w0", "w2"], 2)
    with pytest.raises(InvalidInput):
        list_withdrawals(session=ref, actor=PLANNER, limit=0, offset=-1, status="gone")


def test_edits_need_the_current_version(ref: Session) -> None:
    created = create_withdrawal(session=ref, actor=DEU_FP, data=withdrawal_payload(id="w1"))
    ref.commit()
    edited = update_withdrawal(
        session=ref, actor=DEU_FP, withdrawal_id="w1", data={"count": 12}, expected_version=1
    )
    assert (edited.version, edited.count, edited.remaining) == (2, 12, 12)
    ref.commit()
    with pytest.raises(PreconditionFailed):
        update_withdrawal(
            session=ref, actor=DEU_FP, withdrawal_id="w1", data={"count": 3}, expected_version=1
        )
    with pytest.raises(PreconditionFailed):
        withdraw_withdrawal(session=ref, actor=DEU_FP, withdrawal_id="w1", expected_version=1)
    gone = withdraw_withdrawal(session=ref, actor=DEU_FP, withdrawal_id="w1", expected_version=2)
    assert (gone.status, gone.version) == ("withdrawn", 3)
    with pytest.raises(Conflict):
        withdraw_withdrawal(session=ref, actor=DEU_FP, withdrawal_id="w1", expected_version=3)
    assert created.id == "w1"
    assert get_withdrawal(session=ref, actor=DEU_FP, withdrawal_id="w1").status == "withdrawn"


def test_patch_validates_the_merged_posting_and_writes_nothing_on_error(ref: Session) -> None:
    create_deposit(session=ref, actor=NPL_FP, data=deposit_payload(id="d1"))
    ref.commit()
    with pytest.raises(InvalidInput) as caught:
        update_deposit(
            session=ref,
            actor=NPL_FP,
            deposit_id="d1",
            data={"available_from": "2028-01", "count": 0, "country": "DEU", "cadre": None},
            expected_version=1,
        )
    locs = {p.loc for p in caught.value.problems}
    assert locs == {("available_from",), ("count",), ("country",), ("cadre",)}
    ref.rollback()
    stored = get_deposit(session=ref, actor=NPL_FP, deposit_id="d1")
    assert (stored.version, stored.count, stored.available_from) == (1, 20, "2026-12")


def test_null_in_a_patch_restores_the_default(ref: Session) -> None:
    create_deposit(
        session=ref,
        actor=NPL_FP,
        data=deposit_payload(id="d1", modalities=["remote"], max_duration_months=12),
    )
    edited = update_deposit(
        session=ref,
        actor=NPL_FP,
        deposit_id="d1",
        data={"modalities": None, "max_duration_months": None},
        expected_version=1,
    )
    assert (edited.modalities, edited.max_duration_months) == (["relocation"], None)


def test_count_cannot_drop_below_placed_workers(ref: Session) -> None:
    deposit = create_deposit(session=ref, actor=NPL_FP, data=deposit_payload(id="d1"))
    deposit.remaining = 5  # 15 placed by a closed round
    ref.commit()
    with pytest.raises(InvalidInput):
        update_deposit(
            session=ref, actor=NPL_FP, deposit_id="d1", data={"count": 10}, expected_version=1
        )
    ref.rollback()
    edited = update_deposit(
        session=ref, actor=NPL_FP, deposit_id="d1", data={"count": 15}, expected_version=1
    )
    assert (edited.remaining, edited.status) == (0, "filled")


def test_summary_counts_open_postings_by_country_and_cadre(ref: Session) -> None:
    create_deposit(session=ref, actor=ADMIN, data=deposit_payload(id="d1"))
    create_deposit(session=ref, actor=ADMIN, data=deposit_payload(id="d2", count=5))
    create_withdrawal(session=ref, actor=ADMIN, data=withdrawal_payload(id="w1"))
    create_withdrawal(session=ref, actor=ADMIN, data=withdrawal_payload(id="w2"))
    withdraw_withdrawal(session=ref, actor=ADMIN, withdrawal_id="w2", expected_version=1)
    rows = postings_summary(session=ref)
    assert [(r.country, r.cadre, r.deposits, r.workers_offered) for r in rows] == [
        ("DEU", "2221", 0, 0),
        ("NPL", "2221", 2, 25),
    ]
    assert (rows[0].withdrawals, rows[0].positions_sought) == (1, 10)
