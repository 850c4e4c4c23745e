"""Rounds: create, read, list, and run (freeze the snapshot and record the job).

``run_round`` only records the job (status ``running`` with the frozen scenario); the solve happens
in ``exchange.rounds.worker`` outside any request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from exchange.audit.service import record, snapshot
from exchange.codes import RoundKind
from exchange.config import get_settings
from exchange.db import json_dumps
from exchange.errors import Conflict, InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, require_role
from exchange.paging import page_by_id
from exchange.proposals.tables import Proposal
from exchange.reference.tables import Cadre, Country
from exchange.reference.validation import MONTH_RE, failed_locs, parse_model, raw_fields
from exchange.rounds import documents, holds
from exchange.rounds.lifecycle import Step, move, require
from exchange.rounds.schemas import (
    ObjectivePublic,
    PolicyFields,
    RoundCreate,
    RoundPublic,
    WhatIfCreate,
)
from exchange.rounds.snapshot import freeze_scenario, what_if_scenario
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow


def round_public(rnd: Round, proposals: dict[str, int] | None = None) -> RoundPublic:
    """The public shape of a round (``proposals``: its proposals by status, when counted)."""
    objective = None
    if rnd.priority_fill is not None:
        objective = ObjectivePublic(
            priority_fill=rnd.priority_fill,
            min_fill_permille=rnd.min_fill_permille,
            benefit_usd=rnd.benefit_usd,
        )
    data = rnd.model_dump(exclude={"claimed_by", "lease_until"})
    assert rnd.id is not None
    return RoundPublic.model_validate({**data, "objective": objective, "proposals": proposals})


def proposal_counts(*, session: Session, round_id: int) -> dict[str, int]:
    """A round's proposals by status (declined and expired included)."""
    rows = session.exec(
        select(Proposal.status, func.count())
        .where(Proposal.round_id == round_id)
        .group_by(col(Proposal.status))
    ).all()
    return {str(status): int(n) for status, n in rows}


def _check_policy(policy: dict[str, Any], problems: list[Problem], kind: str) -> None:
    """Every problem of a policy at once: unknown fields, JSON types, ranges, the time cap, and
    the safeguards switched off in a live round."""
    if kind == RoundKind.LIVE and policy.get("safeguard_mode") == "off":
        problems.append(
            Problem(
                ("policy", "safeguard_mode"),
                "'off' is for what-if rounds only: a live round books relocations, which must "
                "respect the WHO safeguards list ('strict' or 'code')",
            )
        )
    found: list[Problem] = []
    parse_model(PolicyFields, policy, found)
    problems += [Problem(("policy", *p.loc), p.msg) for p in found]
    cap = get_settings().solver_time_limit_s
    asked = policy.get("time_limit_s")
    if isinstance(asked, int | float) and not isinstance(asked, bool) and asked > cap:
        problems.append(
            Problem(("policy", "time_limit_s"), f"at most {cap:g} s (HRHX_SOLVER_TIME_LIMIT_S)")
        )


def check_round_fields(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The meaning problems of a round body (its policy, unknown countries and cadres), leaving out
    the fields in ``skip`` (refused already for their type or name), so one answer names all."""
    problems: list[Problem] = []
    policy = data.get("policy")
    kind = data.get("kind") or RoundKind.LIVE
    if "policy" not in skip and isinstance(policy, Mapping):
        _check_policy(dict(policy), problems, str(kind))
    as_of = data.get("as_of")
    if "as_of" not in skip and isinstance(as_of, str) and not MONTH_RE.match(as_of):
        problems.append(Problem(("as_of",), f"month must be YYYY-MM, got {as_of!r}"))
    for field, table, what in (("countries", Country, "country"), ("cadres", Cadre, "cadre")):
        codes = data.get(field)
        if field in skip or not isinstance(codes, list):
            continue
        for i, code in enumerate(codes):
            key = code.upper() if field == "countries" and isinstance(code, str) else code
            if isinstance(key, str) and session.get(table, key) is None:
                problems.append(Problem((field, i), f"unknown {what} {code!r}"))
    return problems


def _parsed_round(session: Session, data: RoundCreate | Mapping[str, Any]) -> RoundCreate:
    """The body as sent, parsed and checked once: every problem of its shape and its meaning
    together in one ``InvalidInput``."""
    raw = raw_fields(data)
    problems: list[Problem] = []
    parsed = parse_model(RoundCreate, raw, problems)
    if parsed is None:
        raise InvalidInput(
            problems + check_round_fields(session=session, data=raw, skip=failed_locs(problems))
        )
    problems = check_round_fields(session=session, data=parsed.model_dump(), skip=())
    if problems:
        raise InvalidInput(problems)
    return parsed


def create_round(*, session: Session, actor: Actor, data: RoundCreate | Mapping[str, Any]) -> Round:
    """A new round in status ``draft`` (planners); the body as sent, checked once."""
    require_role(actor, "planner")
    data = _parsed_round(session, data)
    rnd = Round(
        name=data.name,
        kind=data.kind,
        as_of=data.as_of,
        answer_by=data.answer_by,
        policy=dict(data.policy),
        countries=[c.upper() for c in data.countries] if data.countries else None,
        cadres=list(data.cadres) if data.cadres else None,
        created_by=actor.name,
    )
    session.add(rnd)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="round.create",
        entity="round",
        entity_id=str(rnd.id),
        after=snapshot(rnd),
    )
    return rnd


def get_round(*, session: Session, actor: Actor, round_id: int) -> Round:
    """A round (any role may read rounds)."""
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise NotFound(f"round {round_id} not found")
    return rnd


def list_rounds(
    *, session: Session, actor: Actor, status: str | None, limit: int, offset: int
) -> tuple[list[Round], int]:
    """A page of rounds, newest first, and the total count."""
    conditions = [col(Round.status) == status] if status else []
    return page_by_id(session, Round, conditions, limit=limit, offset=offset, newest_first=True)


def run_round(*, session: Session, actor: Actor, round_id: int) -> Round:
    """Freeze the snapshot and record the solve job (status ``running``); planners.

    A ``failed`` round may be run again (with a fresh snapshot; a what-if started from a live
    round keeps the snapshot it was given). A live round holds its postings
    (``exchange.rounds.holds``). The move is conditional on the version read, so two
    concurrent runs of one round cannot both succeed. A worker claims the job only once this
    transaction has committed (``exchange.rounds.jobs``).
    """
    require_role(actor, "planner")
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(Step.RUN, round_id, rnd.status, rnd.kind)
    before = snapshot(rnd)
    given = documents.get(session, round_id, "scenario") if rnd.kind == RoundKind.WHAT_IF else None
    scenario = given if given is not None else freeze_scenario(session=session, rnd=rnd)
    if rnd.kind == RoundKind.LIVE:  # a what-if holds nothing: it never books
        holds.hold(session=session, round_id=round_id, scenario=scenario)
    _start(session, rnd, scenario)
    if given is None:
        documents.put(session, round_id, "scenario", json_dumps(scenario))
    session.refresh(rnd)
    record(
        session=session,
        actor=actor,
        action="round.run",
        entity="round",
        entity_id=str(round_id),
        before=before,
        after=snapshot(rnd),
    )
    return rnd


def _start(session: Session, rnd: Round, scenario: dict[str, Any]) -> None:
    """Move a round to ``running`` with its snapshot's counts, its last outcome cleared."""
    assert rnd.id is not None
    move(
        session,
        rnd.id,
        Step.RUN,
        where=(col(Round.version) == rnd.version,),
        values={
            "solver_status": None,
            "priority_fill": None,
            "min_fill_permille": None,
            "benefit_usd": None,
            "failure_reason": None,
            "matches_count": None,
            "solve_seconds": None,
            "deposits_count": len(scenario["deposits"]),
            "withdrawals_count": len(scenario["withdrawals"]),
            "claimed_by": None,
            "lease_until": None,
            "attempts": 0,
            "started_at": utcnow(),
            "finished_at": None,
        },
    )
    documents.drop(session, rnd.id, "result")


def start_what_if(
    *, session: Session, actor: Actor, round_id: int, data: WhatIfCreate | Mapping[str, Any]
) -> Round:
    """A what-if round on live round ``round_id``'s frozen snapshot with ``data.policy``'s fields
    replaced, recorded as a job at once (planners). It never books anything."""
    require_role(actor, "planner")
    base = get_round(session=session, actor=actor, round_id=round_id)
    problems: list[Problem] = []
    parsed = parse_model(WhatIfCreate, raw_fields(data), problems)
    if parsed is not None:
        _check_policy(dict(parsed.policy), problems, RoundKind.WHAT_IF)
    if problems or parsed is None:
        raise InvalidInput(problems)
    data = parsed
    frozen = documents.get(session, round_id, "scenario")
    if frozen is None:
        raise Conflict(f"round {round_id} has no frozen snapshot yet: run it first")
    scenario = what_if_scenario(frozen, dict(data.policy))
    rnd = Round(
        name=data.name or f"what-if of round {round_id}",
        kind=RoundKind.WHAT_IF,
        base_round_id=round_id,
        as_of=scenario.get("as_of"),
        policy={**base.policy, **data.policy},
        countries=base.countries,
        cadres=base.cadres,
        created_by=actor.name,
    )
    session.add(rnd)
    session.flush()
    assert rnd.id is not None
    documents.put(session, rnd.id, "scenario", json_dumps(scenario))
    _start(session, rnd, scenario)
    session.refresh(rnd)
    record(
        session=session,
        actor=actor,
        action="round.what_if",
        entity="round",
        entity_id=str(rnd.id),
        after=snapshot(rnd),
    )
    return rnd
