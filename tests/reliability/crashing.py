"""Crash consistency of closing a round: the real server in a subprocess, killed with SIGKILL at a
random moment while it closes a round of confirmed proposals, restarted, checked.

Shared by tests/reliability/test_crash.py (a few trials per engine) and bench/crash_close.py (40+).
After each kill the database must hold the whole round or none of it: the round is ``closed``
exactly when every confirmed proposal has its four ledger entries and its one placement (an open
round has neither; no proposal is placed twice), every proposal of a closed round is in a
terminal state, no entry is duplicated, and
every posting's ``remaining`` equals its ``count`` less the workers the ledger placed from it.
A round found unclosed is closed again after the restart, and checked again.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.ledger.tables import LedgerEntry
from exchange.placements.tables import Placement
from exchange.postings.tables import Deposit, Withdrawal
from exchange.proposals.tables import Proposal
from exchange.rounds.tables import Round
from tests.api.conftest import deposit, withdrawal
from tests.servers import UVICORN_FACTORY, ServerProcess

KINDS = ("workers_out", "workers_in", "benefit_receivable", "benefit_payable")
TERMINAL = {"confirmed", "declined", "expired", "rejected_at_close"}
"""The states a proposal may be left in once its round closed."""


class Server(ServerProcess):
    """``python -m uvicorn --factory api.server:app_factory`` on 127.0.0.1 (with the worker)."""

    def __init__(self, database_url: str, log: Path) -> None:
        env = {"DATABASE_URL": database_url, "HRHX_RATE_LIMIT_PER_MINUTE": "0"}
        super().__init__([*UVICORN_FACTORY, "--log-level", "warning"], env=env, log=log)
        self.database_url = database_url


@dataclass
class CrashReport:
    engine: str
    trials: int = 0
    killed_before_commit: int = 0
    killed_after_commit: int = 0
    close_seconds: list[float] = field(default_factory=list)
    proposals_per_round: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "trials (kill -9 during close)": self.trials,
            "survived": self.trials - len({p.split(":")[0] for p in self.problems}),
            "round found closed after restart": self.killed_after_commit,
            "round found unclosed (none booked), closed again": self.killed_before_commit,
            "proposals per round": self.proposals_per_round,
            "problems": self.problems,
        }


def _call(base: str, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, base + path, headers=headers, timeout=60, **kw)


def prepare_round(base: str, tokens: dict[str, str], pairs: int) -> int:
    """Post ``pairs`` deposits and withdrawals, run a round, wait for it, confirm every proposal."""
    for i in range(pairs):
        r = _call(base, tokens["phl"], "POST", "/v1/deposits", json=deposit(count=3 + i % 4))
        assert r.status_code == 201, r.text
        r = _call(base, tokens["deu"], "POST", "/v1/withdrawals", json=withdrawal(count=2 + i % 5))
        assert r.status_code == 201, r.text
    rid = _call(base, tokens["planner"], "POST", "/v1/rounds", json={"policy": {}}).json()["id"]
    assert _call(base, tokens["planner"], "POST", f"/v1/rounds/{rid}/run").status_code == 202
    deadline = time.monotonic() + 120
    while True:
        status = _call(base, tokens["planner"], "GET", f"/v1/rounds/{rid}").json()["status"]
        if status == "proposed":
            break
        assert status == "running", status
        assert time.monotonic() < deadline, "round not solved in time"
        time.sleep(0.1)
    offset = 0
    while True:
        page = _call(
            base, tokens["planner"], "GET", f"/v1/rounds/{rid}/proposals?limit=100&offset={offset}"
        ).json()["data"]
        for p in page:
            r = _call(base, tokens["admin"], "POST", f"/v1/proposals/{p['id']}/accept")
            assert r.status_code == 200, r.text
        if len(page) < 100:
            break
        offset += 100
    return int(rid)


def check_consistency(engine: Engine, round_id: int) -> tuple[str, list[str]]:
    """``("closed" | "open", problems)`` for one round, read straight from the database."""
    problems: list[str] = []
    with Session(engine) as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        confirmed = s.exec(
            select(Proposal).where(
                Proposal.round_id == round_id,
                Proposal.status == "confirmed",  # type: ignore[arg-type]
            )
        ).all()
        entries = s.exec(select(LedgerEntry).where(LedgerEntry.round_id == round_id)).all()
        dupes = s.exec(
            select(LedgerEntry.proposal_id, LedgerEntry.kind, func.count())
            .group_by(LedgerEntry.proposal_id, LedgerEntry.kind)
            .having(func.count() > 1)
        ).all()
        if dupes:
            problems.append(f"duplicated ledger entries {dupes[:5]}")
        placements = s.exec(select(Placement).where(Placement.round_id == round_id)).all()
        placed = [p.proposal_id for p in placements]
        if len(placed) != len(set(placed)):
            problems.append(f"a proposal placed twice: {sorted(placed)[:10]}")
        statuses = set(s.exec(select(Proposal.status).where(Proposal.round_id == round_id)).all())
        if rnd.status == "closed":
            booked = {e.proposal_id for e in entries}
            if len(entries) != 4 * len(booked) or booked != {p.id for p in confirmed}:
                problems.append(
                    f"closed round with {len(entries)} entries for {len(confirmed)} confirmed"
                )
            if set(placed) != {p.id for p in confirmed}:
                problems.append(
                    f"closed round with {len(placed)} placements for {len(confirmed)} confirmed"
                )
            if statuses - TERMINAL:
                problems.append(f"closed round with proposals {sorted(statuses - TERMINAL)}")
        else:
            if entries:
                problems.append(f"round {rnd.status} but {len(entries)} ledger entries")
            if placements:
                problems.append(f"round {rnd.status} but {len(placements)} placements")
        # every posting: remaining == count - placed by the ledger (whole history)
        placed_out: dict[str, int] = defaultdict(int)
        placed_in: dict[str, int] = defaultdict(int)
        all_entries = s.exec(select(LedgerEntry)).all()
        proposals = {p.id: p for p in s.exec(select(Proposal)).all()}
        for e in all_entries:
            p = proposals[e.proposal_id]
            if e.kind == "workers_out":
                placed_out[p.deposit_id] += -e.amount
            elif e.kind == "workers_in":
                placed_in[p.withdrawal_id] += e.amount
        for d in s.exec(select(Deposit)).all():
            if d.remaining != d.count - placed_out[d.id]:
                problems.append(f"deposit {d.id}: remaining {d.remaining}, ledger says other")
        for w in s.exec(select(Withdrawal)).all():
            if w.remaining != w.count - placed_in[w.id]:
                problems.append(f"withdrawal {w.id}: remaining {w.remaining}, ledger says other")
        return ("closed" if rnd.status == "closed" else "open"), problems


def run_trials(
    *,
    engine_name: str,
    database_url: str,
    engine: Engine,
    tokens: dict[str, str],
    workdir: Path,
    trials: int,
    pairs: int = 30,
    seed: int = 6,
    seconds: float = 0.0,
) -> CrashReport:
    """``trials`` kills during a close, each on a new round of the same database (fewer when
    ``seconds`` pass first: the report counts those run)."""
    rng = random.Random(seed)
    report = CrashReport(engine=engine_name)
    server = Server(database_url, workdir / f"server-{engine_name}.log")
    server.start()
    started_all = time.monotonic()
    try:
        # one close, uninterrupted, to learn how long a close takes
        rid = prepare_round(server.base, tokens, pairs)
        started = time.monotonic()
        r = _call(server.base, tokens["planner"], "POST", f"/v1/rounds/{rid}/close")
        assert r.status_code == 200, r.text
        report.close_seconds.append(time.monotonic() - started)
        state, problems = check_consistency(engine, rid)
        assert state == "closed", state
        assert not problems, problems
        window = max(report.close_seconds[0] * 1.5, 0.02)
        for trial in range(trials):
            if seconds and time.monotonic() - started_all > seconds:
                break
            rid = prepare_round(server.base, tokens, pairs)
            with Session(engine) as s:
                n = s.exec(
                    select(func.count())
                    .select_from(Proposal)
                    .where(Proposal.round_id == rid, Proposal.status == "confirmed")  # type: ignore[arg-type]
                ).one()
            report.proposals_per_round = max(report.proposals_per_round, int(n))
            delay = rng.uniform(0, window)
            closer = threading.Thread(
                target=_close_quietly, args=(server.base, tokens["planner"], rid), daemon=True
            )
            closer.start()
            time.sleep(delay)
            server.kill()
            closer.join(30)
            server.start()
            state, problems = check_consistency(engine, rid)
            report.trials += 1
            if state == "closed":
                report.killed_after_commit += 1
            else:
                report.killed_before_commit += 1
                r = _call(server.base, tokens["planner"], "POST", f"/v1/rounds/{rid}/close")
                if r.status_code != 200:
                    problems.append(f"close after restart: {r.status_code} {r.text[:200]}")
                else:
                    state, more = check_consistency(engine, rid)
                    problems += more
                    if state != "closed":
                        problems.append("not closed after the second close")
            report.problems += [f"trial {trial}: delay {delay:.3f}s: {p}" for p in problems]
    finally:
        server.stop()
    return report


def _close_quietly(base: str, token: str, round_id: int) -> None:
    try:
        _call(base, token, "POST", f"/v1/rounds/{round_id}/close")
    except httpx.HTTPError:
        pass  # the server died under the request: expected
