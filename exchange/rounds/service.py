"""Rounds: create, read, run (freeze the snapshot and record the job) and the visible result.

``run_round`` only records the job (status ``running`` with the frozen scenario); the solve happens
in ``exchange.rounds.worker`` outside any request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from exchange.audit.service import record, snapshot
from exchange.config import get_settings
from exchange.db import consistent_reads, json_dumps, json_loads
from exchange.errors import Conflict, InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, require_role
from exchange.paging import page_by_id
from exchange.proposals.tables import Proposal
from exchange.reference.tables import Cadre, Country
from exchange.reference.validation import parse_model
from exchange.rounds import documents, handoff
from exchange.rounds.events import add_status_event
from exchange.rounds.schemas import ObjectivePublic, PolicyFields, RoundCreate, RoundPublic
from exchange.rounds.tables import Round, RoundEvent
from exchange.scenarios.builder import build_scenario
from exchange.timestamps import utcnow

RUNNABLE = ("draft", "failed")


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


def declined_pairs(*, session: Session, before_round: int) -> set[tuple[str, str]]:
    """(deposit, withdrawal) pairs declined in an earlier round: not to be proposed again."""
    rows = session.exec(
        select(Proposal.deposit_id, Proposal.withdrawal_id).where(
            Proposal.status == "declined", Proposal.round_id < before_round
        )
    ).all()
    return {(d, w) for d, w in rows}


def freeze_scenario(*, session: Session, rnd: Round) -> dict[str, Any]:
    """The round's snapshot: open postings in scope, reference data, and declined pairs, all as
    of one instant (``consistent_reads``)."""
    assert rnd.id is not None
    with consistent_reads(session) as reader:
        scenario = build_scenario(
            session=reader, policy=rnd.policy, countries=rnd.countries, cadres=rnd.cadres
        )
        pairs = declined_pairs(session=reader, before_round=rnd.id)
    deposits = {d["id"] for d in scenario["deposits"]}
    withdrawals = {w["id"] for w in scenario["withdrawals"]}
    live = sorted((d, w) for d, w in pairs if d in deposits and w in withdrawals)
    settings = get_settings()
    size = len(deposits) + len(withdrawals)
    if size > settings.max_round_postings:
        raise InvalidInput(
            [
                Problem(
                    ("round",),
                    f"{size} open postings in scope, at most {settings.max_round_postings}"
                    " (HRHX_MAX_ROUND_POSTINGS); narrow the round with countries or cadres",
                )
            ]
        )
    policy = scenario.get("policy")
    if isinstance(policy, dict):  # the cap may have been lowered since the round was created
        limit = policy.get("time_limit_s")
        if not isinstance(limit, int | float) or limit > settings.solver_time_limit_s:
            policy["time_limit_s"] = settings.solver_time_limit_s
    if live:
        scenario["excluded_pairs"] = [{"deposit_id": d, "withdrawal_id": w} for d, w in live]
    return scenario


def run_round(*, session: Session, actor: Actor, round_id: int) -> Round:
    """Freeze the snapshot and record the solve job (status ``running``); planners.

    A ``failed`` round may be run again (with a fresh snapshot). The status change is a
    conditional update, so two concurrent runs of one round cannot both succeed.
    """
    require_role(actor, "planner")
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    if rnd.status not in RUNNABLE:
        raise Conflict(f"round {round_id} is {rnd.status}; only a draft or failed round can run")
    before = snapshot(rnd)
    version = rnd.version + 1  # what the update below makes it
    scenario = freeze_scenario(session=session, rnd=rnd)
    text = json_dumps(scenario)  # serialised once: stored, and sent to the solver
    claim = handoff.reserve(session)  # an idle worker of this process: claimed for it right here
    # first, so that a worker solving in a process of its own starts before the rest of the run
    # (what it solves is used only if the run commits)
    handoff.offer(session, round_id, version, scenario, text, claim)
    now = utcnow()
    result = session.execute(
        update(Round)
        .where(
            col(Round.id) == round_id,
            col(Round.status).in_(RUNNABLE),
            col(Round.version) == rnd.version,
        )
        .values(
            status="running",
            solver_status=None,
            priority_fill=None,
            min_fill_permille=None,
            benefit_usd=None,
            failure_reason=None,
            matches_count=None,
            solve_seconds=None,
            deposits_count=len(scenario["deposits"]),
            withdrawals_count=len(scenario["withdrawals"]),
            claimed_by=claim.worker_id if claim else None,
            lease_until=now + timedelta(seconds=claim.lease_s) if claim else None,
            attempts=1 if claim else 0,
            started_at=now,
            finished_at=None,
            version=Round.version + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"round {round_id} changed meanwhile; it is no longer runnable")
    documents.put(session, round_id, "scenario", text)
    documents.drop(session, round_id, "result")
    add_status_event(session, round_id, "running")
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


def get_scenario(*, session: Session, actor: Actor, round_id: int) -> str:
    """The frozen snapshot of a round, as the JSON text stored (planners, viewers, admins)."""
    require_role(actor, "planner", "viewer")
    get_round(session=session, actor=actor, round_id=round_id)
    scenario = documents.get_text(session, round_id, "scenario")
    if scenario is None:
        raise NotFound(f"round {round_id} has no snapshot yet (it was never run)")
    return scenario


def get_result(*, session: Session, actor: Actor, round_id: int) -> str:
    """The round's result as JSON text: as stored, or for a focal point only the lines of its own
    country."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    text = documents.get_text(session, round_id, "result")
    if text is None:
        raise NotFound(f"round {round_id} has no result (status {rnd.status})")
    if not actor.is_focal_point:
        return text
    scenario = documents.get(session, round_id, "scenario") or {}
    return json_dumps(_result_for_country(json_loads(text), scenario, actor.country or ""))


def _result_for_country(
    result: dict[str, Any], scenario: dict[str, Any], country: str
) -> dict[str, Any]:
    deposit_country = {d["id"]: d["country"] for d in scenario.get("deposits", [])}
    withdrawal_country = {w["id"]: w["country"] for w in scenario.get("withdrawals", [])}
    view = dict(result)
    view["matches"] = [
        m
        for m in result.get("matches") or []
        if country
        in (deposit_country.get(m["deposit_id"]), withdrawal_country.get(m["withdrawal_id"]))
    ]
    unmatched = result.get("unmatched") or {}
    view["unmatched"] = {
        "withdrawals": [
            u
            for u in unmatched.get("withdrawals", [])
            if withdrawal_country.get(u["id"]) == country
        ],
        "deposits": [
            u for u in unmatched.get("deposits", []) if deposit_country.get(u["id"]) == country
        ],
    }
    return view


def events_after(
    *, session: Session, actor: Actor, round_id: int, after_id: int, limit: int = 500
) -> tuple[list[RoundEvent], str]:
    """Events of a round after ``after_id``, and the round's current status."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    events = session.exec(
        select(RoundEvent)
        .where(RoundEvent.round_id == round_id, col(RoundEvent.id) > after_id)
        .order_by(col(RoundEvent.id))
        .limit(limit)
    ).all()
    return list(events), rnd.status
