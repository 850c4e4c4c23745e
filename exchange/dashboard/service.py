"""Dashboard aggregates, computed by the database (group by), never stored."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from exchange.dashboard.schemas import FillRow, FlowRow, Flows, RoundObjective, Summary
from exchange.errors import NotFound
from exchange.identity.actor import Actor
from exchange.ledger.tables import LedgerEntry
from exchange.postings.tables import Deposit, Withdrawal
from exchange.proposals.tables import Proposal
from exchange.rounds.tables import Round

LIVE = ("pending", "accepted_by_origin", "accepted_by_destination", "confirmed")


def summary(
    *, session: Session, actor: Actor, country: str | None = None, cadre: str | None = None
) -> Summary:
    """Per country and cadre: posted, remaining, placed, fill ratio; per round: objectives.

    ``posted`` and ``remaining`` count postings not withdrawn; ``placed`` comes from the ledger
    (workers placed out for deposits, received in for withdrawals); fill ratio = placed / posted.
    """
    placed: dict[tuple[str, str, str], int] = {}
    for entry_country, entry_cadre, kind, total in session.exec(
        select(
            LedgerEntry.country, LedgerEntry.cadre, LedgerEntry.kind, func.sum(LedgerEntry.amount)
        )
        .where(col(LedgerEntry.kind).in_(("workers_out", "workers_in")))
        .group_by(col(LedgerEntry.country), col(LedgerEntry.cadre), col(LedgerEntry.kind))
    ).all():
        side = "deposit" if kind == "workers_out" else "withdrawal"
        placed[(entry_country, entry_cadre, side)] = abs(int(total or 0))
    rows: dict[tuple[str, str, str], FillRow] = {}
    tables: tuple[tuple[Any, str], ...] = ((Deposit, "deposit"), (Withdrawal, "withdrawal"))
    for table, side in tables:
        query: Any = (
            sa_select(
                table.country,
                table.cadre,
                func.count(),
                func.sum(table.count),
                func.sum(table.remaining),
            )
            .where(table.status != "withdrawn")
            .group_by(table.country, table.cadre)
        )
        if country:
            query = query.where(table.country == country.upper())
        if cadre:
            query = query.where(table.cadre == cadre)
        for code, cadre_code, n, posted, remaining in session.execute(query).all():
            key = (code, cadre_code, side)
            done = placed.get(key, 0)
            rows[key] = FillRow(
                country=code,
                cadre=cadre_code,
                side=side,
                postings=int(n),
                posted=int(posted or 0),
                remaining=int(remaining or 0),
                placed=done,
                fill_ratio=round(done / posted, 4) if posted else 0.0,
            )
    rounds = [
        RoundObjective(
            id=r.id or 0,
            name=r.name,
            status=r.status,
            solver_status=r.solver_status,
            priority_fill=r.priority_fill,
            min_fill_permille=r.min_fill_permille,
            benefit_usd=r.benefit_usd,
            matches_count=r.matches_count,
            solve_seconds=r.solve_seconds,
        )
        for r in session.exec(select(Round).order_by(col(Round.id))).all()
    ]
    return Summary(fill=[rows[k] for k in sorted(rows)], rounds=rounds)


def flows(*, session: Session, actor: Actor, round_id: int | None = None) -> Flows:
    """Origin, destination, cadre, workers, benefit of confirmed matches (booked ones of closed
    rounds and confirmed ones of open rounds); with ``round_id``, that round's live proposals too.
    """
    if round_id is not None:
        if session.get(Round, round_id) is None:
            raise NotFound(f"round {round_id} not found")
        statuses = list(LIVE)
    else:
        statuses = ["confirmed"]
    query: Any = (
        sa_select(
            col(Proposal.origin),
            col(Proposal.destination),
            col(Proposal.cadre),
            func.sum(col(Proposal.count)),
            func.sum(col(Proposal.count) * col(Proposal.benefit_usd_per_worker)),
        )
        .where(col(Proposal.status).in_(statuses))
        .group_by(col(Proposal.origin), col(Proposal.destination), col(Proposal.cadre))
        .order_by(col(Proposal.origin), col(Proposal.destination), col(Proposal.cadre))
    )
    if round_id is not None:
        query = query.where(Proposal.round_id == round_id)
    data = [
        FlowRow(
            origin=o,
            destination=d,
            cadre=c,
            workers=int(workers or 0),
            benefit_usd=int(benefit or 0),
        )
        for o, d, c, workers, benefit in session.execute(query).all()
    ]
    return Flows(round_id=round_id, statuses=statuses, data=data, count=len(data))


def flows_csv(flows_: Flows) -> str:
    """Flows as CSV with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["origin", "destination", "cadre", "workers", "benefit_usd"])
    for row in flows_.data:
        writer.writerow([row.origin, row.destination, row.cadre, row.workers, row.benefit_usd])
    return out.getvalue()
