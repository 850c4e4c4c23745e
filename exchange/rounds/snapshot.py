"""A round's snapshot: what it freezes when it is run (open postings in scope, reference data,
pairs declined earlier), all as of one instant."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from exchange.codes import ProposalStatus
from exchange.config import get_settings
from exchange.db import consistent_reads
from exchange.errors import InvalidInput, Problem
from exchange.placements.commitments import apply_commitments
from exchange.proposals.tables import Proposal
from exchange.rounds.tables import Round
from exchange.scenarios.builder import build_scenario, scenario_policy


def declined_pairs(*, session: Session, before_round: int) -> set[tuple[str, str]]:
    """(deposit, withdrawal) pairs declined in an earlier round: not to be proposed again."""
    rows = session.exec(
        select(Proposal.deposit_id, Proposal.withdrawal_id).where(
            Proposal.status == ProposalStatus.DECLINED, Proposal.round_id < before_round
        )
    ).all()
    return {(d, w) for d, w in rows}


def freeze_scenario(*, session: Session, rnd: Round) -> dict[str, Any]:
    """The round's snapshot: open postings in scope, reference data, declined pairs and what
    earlier rounds' placements used of quotas and depletion caps, all as of one instant
    (``consistent_reads``)."""
    assert rnd.id is not None
    with consistent_reads(session) as reader:
        scenario = build_scenario(
            session=reader,
            policy=rnd.policy,
            as_of=rnd.as_of,
            countries=rnd.countries,
            cadres=rnd.cadres,
        )
        pairs = declined_pairs(session=reader, before_round=rnd.id)
        apply_commitments(session=reader, scenario=scenario)
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


def what_if_scenario(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A live round's frozen snapshot with some policy fields replaced (``null``: the default)."""
    scenario = dict(base)
    policy = dict(base.get("policy") or {})
    policy.update(changes)
    scenario["policy"] = scenario_policy({k: v for k, v in policy.items() if v is not None})
    return scenario
