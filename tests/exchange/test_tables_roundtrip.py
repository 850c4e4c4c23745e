"""Every table stores a row and gives it back equal, on every engine under test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from exchange.codes import (
    DeclineReason,
    PlacementEventKind,
    PostingSide,
    ProposalStatus,
    RoundDocumentKind,
    RoundKind,
    RoundStatus,
)
from exchange.tables import (
    Agreement,
    AuditEvent,
    Cadre,
    ChangeCounter,
    Country,
    Deposit,
    IdempotencyKey,
    LedgerEntry,
    Payment,
    Placement,
    PlacementEvent,
    Proposal,
    Round,
    RoundDocument,
    RoundEvent,
    RoundPosting,
    SafeguardEdition,
    SafeguardListing,
    User,
    Withdrawal,
    WorkforceFact,
    metadata,
)
from exchange.timestamps import as_utc

AT = datetime(2026, 11, 23, 12, 30, 15, 123000, tzinfo=UTC)


def _rows() -> list[SQLModel]:
    """One row of every table, parents first, with every column set."""
    return [
        Country(
            code="NPL",
            name="Nepal",
            aaah_member=True,
            licensing_languages={"ne": "C1"},
            notes="n",
            version=2,
            updated_at=AT,
        ),
        Country(code="GBR", name="United Kingdom", licensing_languages={"en": "B2"}),
        Cadre(code="2221", name="Nursing professionals"),
        SafeguardEdition(edition="who-2023", valid_from="2023-03", source="WHO 2023"),
        SafeguardListing(edition="who-2023", country="NPL"),
        WorkforceFact(
            country="NPL",
            cadre="2221",
            stock=9000,
            education_cost_usd=12000,
            positive_list=True,
            source="illustrative",
            version=3,
            updated_at=AT,
        ),
        User(name="fp", role="focal_point", country="NPL", token_hash="ab" * 32, created_at=AT),
        Agreement(
            id="a-npl-gbr",
            origin="NPL",
            destination="GBR",
            name="G2G",
            g2g=True,
            cadres=["2221"],
            valid_from="2022-06",
            valid_to="2027-05",
            quotas={"2221": 500},
            benefit_usd_per_worker=2000,
            recognition=True,
            notes="x",
            deleted=False,
            version=1,
            created_by="planner",
            created_at=AT,
            updated_at=AT,
        ),
        Deposit(
            id="d1",
            country="NPL",
            cadre="2221",
            count=200,
            remaining=150,
            languages={"en": "B2", "ne": "C2"},
            available_from="2026-12",
            available_to="2027-12",
            modalities=["relocation", "remote"],
            max_duration_months=36,
            min_benefit_usd_per_worker=3000,
            excluded_destinations=["GBR"],
            preferred_destinations=["GBR"],
            status="open",
            version=4,
            created_by="fp",
            created_at=AT,
            updated_at=AT,
            notes="nurses",
        ),
        Withdrawal(
            id="w1",
            country="GBR",
            cadre="2221",
            count=50,
            remaining=50,
            required_languages={"en": "B2"},
            language_training_months=3,
            benefit_usd_per_worker=4000,
            priority=3,
            start_from="2027-01",
            start_to="2027-06",
            modality="remote",
            duration_months=24,
            requires_recognition=True,
            preferred_origins=["NPL"],
            created_at=AT,
        ),
        Round(
            id=1,
            status=RoundStatus.PROPOSED,
            kind=RoundKind.LIVE,
            as_of="2026-11",
            answer_by=AT,
            name="r1",
            policy={"seed": 1},
            countries=["NPL"],
            cadres=["2221"],
            solver_status="OPTIMAL",
            priority_fill=150,
            min_fill_permille=1000,
            benefit_usd=270000,
            deposits_count=1,
            withdrawals_count=1,
            matches_count=1,
            solve_seconds=0.25,
            claimed_by="worker-1",
            lease_until=AT,
            attempts=1,
            created_at=AT,
            started_at=AT,
            finished_at=AT,
            close_report={"rejected": []},
        ),
        RoundDocument(round_id=1, kind=RoundDocumentKind.SCENARIO, body='{"as_of":"2026-11"}'),
        RoundDocument(round_id=1, kind=RoundDocumentKind.RESULT, body='{"status":"OPTIMAL"}'),
        RoundPosting(round_id=1, side=PostingSide.DEPOSIT, posting_id="d1"),
        RoundEvent(
            id=1,
            round_id=1,
            tier="priority_fill",
            incumbent=150.0,
            bound=150.0,
            elapsed_s=0.5,
            message="m",
            created_at=AT,
        ),
        Proposal(
            id=1,
            round_id=1,
            deposit_id="d1",
            withdrawal_id="w1",
            origin="NPL",
            destination="GBR",
            cadre="2221",
            count=50,
            benefit_usd_per_worker=6000,
            language_training_months=0,
            agreement_id="a-npl-gbr",
            basis={"origin_listed": True, "g2g_agreement_id": "a-npl-gbr"},
            status=ProposalStatus.CONFIRMED,
            origin_accepted_at=AT,
            destination_accepted_at=AT,
            decline_reason=DeclineReason.TIMING,
            decline_note="n",
            created_at=AT,
        ),
        Placement(
            id=1,
            round_id=1,
            proposal_id=1,
            deposit_id="d1",
            withdrawal_id="w1",
            origin="NPL",
            destination="GBR",
            cadre="2221",
            modality="relocation",
            workers=50,
            agreement_id="a-npl-gbr",
            basis={"origin_listed": True},
            benefit_usd_per_worker=6000,
            start_month="2027-01",
            duration_months=24,
            expected_end_month="2028-12",
            booked_month="2026-11",
            contract_signed=5,
            departed=4,
            started=3,
            returned=2,
            ended=1,
            cancelled=1,
            version=2,
            created_at=AT,
            updated_at=AT,
        ),
        PlacementEvent(
            id=1,
            placement_id=1,
            kind=PlacementEventKind.DEPARTED,
            workers=4,
            month="2027-01",
            note="n",
            created_by="fp#1",
            created_at=AT,
        ),
        Payment(
            id=1,
            placement_id=1,
            amount_usd=3_000_000_000,
            month="2027-02",
            note="n",
            created_by="fp#1",
            created_at=AT,
        ),
        LedgerEntry(
            id=1,
            correlation_key="p1",
            round_id=1,
            proposal_id=1,
            payment_id=1,
            country="NPL",
            counterparty="GBR",
            cadre="2221",
            kind="workers_out",
            amount=-50,
            created_at=AT,
        ),
        AuditEvent(
            id=1,
            at=AT,
            actor="fp#1",
            action="deposit.create",
            entity="deposit",
            entity_id="d1",
            before=None,
            after={"count": 200},
            prev_hash="0" * 64,
            hash="f" * 64,
        ),
        ChangeCounter(name="round-trip", value=7),
        IdempotencyKey(
            scope="user:1:POST /v1/deposits",
            key="k1",
            body_hash="h",
            state="done",
            response_status=201,
            response_body={"id": "d1"},
            created_at=AT,
        ),
    ]


def _comparable(row: SQLModel) -> dict[str, Any]:
    # Attribute access, not model_dump(): deferred columns (a round's scenario) load on access.
    data = {name: getattr(row, name) for name in type(row).model_fields}
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in data.items()}


def test_every_table_round_trips(engine: Engine) -> None:
    rows = _rows()
    assert {type(r).__tablename__ for r in rows} == set(metadata.tables)
    expected = []
    with Session(engine) as session:
        for row in rows:
            session.add(row)
            session.flush()
        expected = [(type(r), r.model_dump(), _comparable(r)) for r in rows]
        session.commit()
    with Session(engine) as session:
        for model, dumped, comparable in expected:
            key = model.__table__.primary_key.columns.keys()  # type: ignore[attr-defined]
            ident = tuple(dumped[k] for k in key)
            stored = session.get(model, ident if len(ident) > 1 else ident[0])
            assert stored is not None, model.__tablename__
            assert _comparable(stored) == comparable, model.__tablename__
