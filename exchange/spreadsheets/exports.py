"""Tables for download: a round's proposals, flows, a country's ledger, placements and the
monitoring indicators (CSV or XLSX).

Each function reads through the owning service, so the access rules are the same as the JSON
endpoints' (a focal point sees its own proposals, another country's ledger is ``NotFound``).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from exchange.dashboard.service import flows
from exchange.identity.actor import Actor
from exchange.indicators.schemas import Indicators
from exchange.indicators.service import indicator_rows
from exchange.ledger.service import get_ledger
from exchange.placements.service import list_placements, placements_public
from exchange.proposals.service import list_proposals
from exchange.spreadsheets.writing import Table

PAGE = 500

PROPOSAL_COLUMNS = (
    "id",
    "round_id",
    "deposit_id",
    "withdrawal_id",
    "origin",
    "destination",
    "cadre",
    "count",
    "benefit_usd_per_worker",
    "benefit_usd",
    "language_training_months",
    "agreement_id",
    "origin_listed",
    "g2g_agreement_id",
    "positive_listed",
    "recognition_agreement_id",
    "status",
    "origin_accepted_at",
    "destination_accepted_at",
    "declined_by",
    "decline_reason",
    "decline_note",
    "close_note",
)
"""The legal basis (MATCHING.md section 7) is spread over four columns."""
FLOW_COLUMNS = ("origin", "destination", "cadre", "workers", "benefit_usd")
LEDGER_COLUMNS = (
    "id",
    "round_id",
    "proposal_id",
    "correlation_key",
    "country",
    "counterparty",
    "cadre",
    "kind",
    "amount",
    "created_at",
)


def proposals_table(*, session: Session, actor: Actor, round_id: int) -> Table:
    """Every proposal of a round the caller may see, by id."""
    rows: list[list[Any]] = []
    offset = 0
    while True:
        page, total = list_proposals(
            session=session, actor=actor, round_id=round_id, limit=PAGE, offset=offset
        )
        for p in page:
            values = {
                **p.model_dump(),
                **(p.basis or {}),
                "benefit_usd": p.count * p.benefit_usd_per_worker,
            }
            rows.append([values.get(name) for name in PROPOSAL_COLUMNS])
        offset += len(page)
        if not page or offset >= total:
            break
    return Table(title=f"round {round_id} proposals", columns=PROPOSAL_COLUMNS, rows=rows)


def flows_table(*, session: Session, actor: Actor, round_id: int | None = None) -> Table:
    """Flows by origin, destination and cadre: confirmed ones, or one round's live proposals."""
    data = flows(session=session, actor=actor, round_id=round_id)
    rows = [[getattr(r, name) for name in FLOW_COLUMNS] for r in data.data]
    title = f"round {round_id} flows" if round_id is not None else "confirmed flows"
    return Table(title=title, columns=FLOW_COLUMNS, rows=rows)


def ledger_table(*, session: Session, actor: Actor, country: str) -> Table:
    """A country's ledger entries by id, with its balances on a second sheet (XLSX)."""
    rows: list[list[Any]] = []
    offset = 0
    while True:
        page, total, balances = get_ledger(
            session=session, actor=actor, country=country, limit=PAGE, offset=offset
        )
        for entry in page:
            values = entry.model_dump()
            rows.append([values.get(name) for name in LEDGER_COLUMNS])
        offset += len(page)
        if not page or offset >= total:
            break
    notes = [("balance", "amount")] + [(k, v) for k, v in balances.model_dump().items()]
    return Table(
        title=f"ledger {country.upper()}",
        columns=LEDGER_COLUMNS,
        rows=rows,
        notes=notes,
        notes_title="balances",
    )


def indicators_table(data: Indicators) -> Table:
    """The monitoring indicators as one table (a row per indicator row), their definitions and
    WHO Table 1 rows on a second sheet."""
    rows = indicator_rows(data)
    columns: list[str] = ["indicator"]
    for row in rows:
        columns += [key for key in row if key not in columns]
    notes = [["indicator", "name", "definition", "WHO Table 1", "unit"]] + [
        [i.id, i.name, i.definition, i.who_table1, i.unit] for i in data.indicators
    ]
    period = f"{data.period_from or 'start'} to {data.period_to}"
    return Table(
        title=f"indicators {period}"[:31],
        columns=columns,
        rows=[[row.get(c) for c in columns] for row in rows],
        notes=notes,
        notes_title="definitions",
    )


PLACEMENT_COLUMNS = (
    "id",
    "round_id",
    "proposal_id",
    "origin",
    "destination",
    "cadre",
    "modality",
    "workers",
    "agreement_id",
    "start_month",
    "duration_months",
    "expected_end_month",
    "booked_month",
    "status",
    "contract_signed",
    "departed",
    "started",
    "returned",
    "ended",
    "cancelled",
    "benefit_promised_usd",
    "benefit_paid_usd",
)


def placements_table(*, session: Session, actor: Actor, country: str | None = None) -> Table:
    """Every placement the caller may see (focal points: their country's), by id."""
    rows: list[list[Any]] = []
    offset = 0
    while True:
        page, total = list_placements(
            session=session, actor=actor, country=country, limit=PAGE, offset=offset
        )
        for p in placements_public(session=session, placements=page):
            values = {**p.model_dump(mode="json"), **p.stages.model_dump()}
            rows.append([values.get(name) for name in PLACEMENT_COLUMNS])
        offset += len(page)
        if not page or offset >= total:
            break
    return Table(title="placements", columns=PLACEMENT_COLUMNS, rows=rows)
