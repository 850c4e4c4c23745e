"""Reading a round's documents and events: the frozen scenario, the result (a focal point sees
its own country's lines), the progress and status events."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from exchange.db import json_dumps, json_loads
from exchange.errors import NotFound
from exchange.identity.actor import Actor, require_role
from exchange.rounds import documents
from exchange.rounds.service import get_round
from exchange.rounds.tables import RoundEvent


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
