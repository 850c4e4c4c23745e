"""Rounds: create, read, list, and run (freeze the snapshot and record the job).

``run_round`` only records the job (status ``running`` with the frozen scenario); the solve happens
in ``exchange.rounds.worker`` outside any request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session, col

from exchange.audit.service import record, snapshot
from exchange.config import get_settings
from exchange.db import json_dumps
from exchange.errors import InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, require_role
from exchange.paging import page_by_id
from exchange.reference.tables import Cadre, Country
from exchange.reference.validation import parse_model
from exchange.rounds import documents
from exchange.rounds.lifecycle import Step, move, require
from exchange.rounds.schemas import ObjectivePublic, PolicyFields, RoundCreate, RoundPublic
from exchange.rounds.snapshot import freeze_scenario
from exchange.rounds.tables import Round
from exchange.timestamps import utcnow


def round_public(rnd: Round) -> RoundPublic:
    """The public shape of a round."""
    objective = None
    if rnd.priority_fill is not None:
        objective = ObjectivePublic(
            priority_fill=rnd.priority_fill,
            min_fill_permille=rnd.min_fill_permille,
            benefit_usd=rnd.benefit_usd,
        )
    data = rnd.model_dump(exclude={"claimed_by", "lease_until"})
    assert rnd.id is not None
    return RoundPublic.model_validate({**data, "objective": objective})


def _check_policy(policy: dict[str, Any], problems: list[Problem]) -> None:
    """Every problem of a policy at once: unknown fields, JSON types, ranges, the time cap."""
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
    if "policy" not in skip and isinstance(policy, Mapping):
        _check_policy(dict(policy), problems)
    for field, table, what in (("countries", Country, "country"), ("cadres", Cadre, "cadre")):
        codes = data.get(field)
        if field in skip or not isinstance(codes, list):
            continue
        for i, code in enumerate(codes):
            key = code.upper() if field == "countries" and isinstance(code, str) else code
            if isinstance(key, str) and session.get(table, key) is None:
                problems.append(Problem((field, i), f"unknown {what} {code!r}"))
    return problems


def create_round(*, session: Session, actor: Actor, data: RoundCreate) -> Round:
    """A new round in status ``draft`` (planners)."""
    require_role(actor, "planner")
    problems = check_round_fields(session=session, data=data.model_dump(), skip=())
    if problems:
        raise InvalidInput(problems)
    rnd = Round(
        name=data.name,
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

    A ``failed`` round may be run again (with a fresh snapshot). The move is conditional on the
    version read, so two concurrent runs of one round cannot both succeed. A worker claims the
    job only once this transaction has committed (``exchange.rounds.jobs``).
    """
    require_role(actor, "planner")
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(Step.RUN, round_id, rnd.status)
    before = snapshot(rnd)
    scenario = freeze_scenario(session=session, rnd=rnd)
    move(
        session,
        round_id,
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
    documents.put(session, round_id, "scenario", json_dumps(scenario))
    documents.drop(session, round_id, "result")
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
