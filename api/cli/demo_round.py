"""The second half of ``hrhx demo``: a first round booked in part, with its placements, ledger
and indicators (``api.cli.demo_history``); a second round run and shown (what it filled and why
not) for the countries to answer; demo tokens; then the API (with its round worker) served on
127.0.0.1:8000.

Serving is skipped when ``HRHX_DEMO_NO_SERVE=1`` or under pytest, so that tests of the demo
do not block.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any

from rich.table import Table

from api.cli.common import console
from api.cli.demo_history import (
    book_part_of_round,
    print_placements_and_indicators,
    record_illustrative_history,
)
from exchange.db import get_engine, session_scope
from exchange.identity.actor import SYSTEM
from exchange.identity.service import create_user
from exchange.placements.service import month_after
from exchange.rounds import documents
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.tables import Round
from exchange.rounds.worker import process_all
from exchange.timestamps import current_month

DEMO_USERS = (
    ("demo-planner", "planner", None),
    ("demo-focal-PHL", "focal_point", "PHL"),
    ("demo-focal-DEU", "focal_point", "DEU"),
)


def run_demo_round(name: str = "demo round", as_of: str | None = None) -> int:
    """Create and run a round on the open postings (as of ``as_of``), solve it now; its id."""
    with session_scope() as session:
        rnd = create_round(
            session=session, actor=SYSTEM, data=RoundCreate(name=name, policy={}, as_of=as_of)
        )
        assert rnd.id is not None
        run_round(session=session, actor=SYSTEM, round_id=rnd.id)
        round_id = rnd.id
    process_all(get_engine(), "demo")
    return round_id


def print_round(round_id: int) -> None:
    """Filled matches, and unfilled positions and unplaced workers by reason (rich tables)."""
    with session_scope() as session:
        rnd = session.get(Round, round_id)
        assert rnd is not None
        result: dict[str, Any] = documents.get(session, round_id, "result") or {}
        scenario: dict[str, Any] = documents.get(session, round_id, "scenario") or {}
        status, failure = rnd.status, rnd.failure_reason
    if status != "proposed":
        console.print(f"[red]round {round_id} {status}: {failure}[/]")
        return
    withdrawals = {w["id"]: w for w in scenario.get("withdrawals", [])}
    deposits = {d["id"]: d for d in scenario.get("deposits", [])}
    objective = result.get("objective", {})
    console.print(
        f"[bold]round {round_id}[/]: {result.get('status')} - priority_fill "
        f"{objective.get('priority_fill')}, min_fill_permille {objective.get('min_fill_permille')}"
        f", benefit_usd {objective.get('benefit_usd')}"
    )
    filled = Table(title="Filled (proposals awaiting both countries)")
    for column in ("origin", "destination", "cadre", "workers", "benefit / worker"):
        filled.add_column(column, justify="right" if column[0] in "wb" else "left")
    for m in result.get("matches", []):
        d, w = deposits[m["deposit_id"]], withdrawals[m["withdrawal_id"]]
        benefit = str(m["benefit_usd_per_worker"])
        filled.add_row(d["country"], w["country"], d["cadre"], str(m["count"]), benefit)
    console.print(filled)
    unfilled = Table(title="Unfilled positions by reason")
    unfilled.add_column("reason", no_wrap=True)  # a code, whole
    unfilled.add_column("withdrawals", justify="right")
    unfilled.add_column("positions", justify="right")
    unfilled.add_column("example")
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, str] = {}
    for u in result.get("unmatched", {}).get("withdrawals", []):
        reasons = u.get("reasons") or [{"code": "-", "detail": ""}]
        main = reasons[0]
        by_reason[main["code"]]["withdrawals"] += 1
        by_reason[main["code"]]["positions"] += u["unfilled"]
        w = withdrawals.get(u["id"], {})
        examples.setdefault(main["code"], f"{w.get('country')} {w.get('cadre')}: {main['detail']}")
    for code in sorted(by_reason):
        unfilled.add_row(
            code,
            str(by_reason[code]["withdrawals"]),
            str(by_reason[code]["positions"]),
            examples[code],  # the whole sentence (wrapped), never cut mid-word
        )
    console.print(unfilled)


def create_demo_tokens() -> dict[str, str]:
    """A planner and two focal points (PHL, DEU); their tokens, printed once."""
    tokens: dict[str, str] = {}
    with session_scope() as session:
        for name, role, country in DEMO_USERS:
            _, token = create_user(session=session, name=name, role=role, country=country)
            tokens[name] = token
    console.print("[bold]Demo tokens[/] (send as `Authorization: Bearer <token>`):")
    for name, role, country in DEMO_USERS:
        who = role + (f" {country}" if country else "")
        console.print(f"  {name} ({who}): {tokens[name]}", soft_wrap=True, highlight=False)
    return tokens


def should_serve() -> bool:
    """Serve unless told not to, and never inside a test run."""
    return os.environ.get("HRHX_DEMO_NO_SERVE") != "1" and "PYTEST_CURRENT_TEST" not in os.environ


def run_round_and_serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Book part of a first round with illustrative events and payments (placements, ledger,
    indicators printed), run and print a second round left for the countries to answer, print
    demo tokens, then serve the API."""
    first = run_demo_round("demo round 1 (booked)", as_of=month_after(current_month(), -6))
    book_part_of_round(first)
    record_illustrative_history(first)
    print_placements_and_indicators()
    round_id = run_demo_round("demo round 2 (to answer)")
    print_round(round_id)
    tokens = create_demo_tokens()
    console.print(
        f"[bold]Dashboard:[/] http://{host}:{port}/dashboard - sign in with the planner token "
        f"{tokens['demo-planner']}",
        soft_wrap=True,
        highlight=False,
    )
    if should_serve():
        from api import server

        console.print(f"serving on http://{host}:{port} (OpenAPI at /docs); Ctrl-C stops")
        server.run(host, port)
