"""Agreements: planners (and admins) create, edit and delete them; everyone may read them.

Deleting is soft (``deleted`` is set, the row stays for the audit trail and past rounds); a deleted
agreement is ``NotFound`` and never enters a scenario.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session, col, select

from exchange.agreements.schemas import AgreementCreate, AgreementUpdate
from exchange.agreements.tables import Agreement
from exchange.audit.service import record, snapshot
from exchange.bounds import QUOTA_MAX, USD_PER_WORKER_MAX
from exchange.db import created_once
from exchange.errors import Conflict, InvalidInput, NotFound, PreconditionRequired, Problem
from exchange.identity.actor import Actor, require_role
from exchange.reference.validation import (
    ReferenceCodes,
    check_cadre,
    check_country,
    check_id,
    check_month,
    check_range,
    failed_locs,
    parse_model,
    raw_fields,
)
from exchange.versions import Expected, VersionMissing, next_version, require_version

NULLABLE = {"name", "notes"}
DEFAULTS: dict[str, Any] = {
    "g2g": False,
    "cadres": [],
    "quotas": {},
    "benefit_usd_per_worker": 0,
    "recognition": False,
}


def validate_agreement(
    data: Mapping[str, Any], *, codes: ReferenceCodes, skip: set[str]
) -> list[Problem]:
    """Every problem of an agreement's fields (those in ``skip`` were already reported)."""
    problems: list[Problem] = []
    if "id" not in skip:
        check_id(data.get("id"), ("id",), problems)
    for side in ("origin", "destination"):
        if side not in skip and side in data:
            check_country(data[side], (side,), codes, problems)
    if (
        not {"origin", "destination"} & skip
        and data.get("origin") is not None
        and data.get("origin") == data.get("destination")
    ):
        problems.append(Problem(("destination",), "origin and destination must differ"))
    ok_from = "valid_from" not in skip and check_month(
        data.get("valid_from"), ("valid_from",), problems
    )
    ok_to = "valid_to" not in skip and check_month(data.get("valid_to"), ("valid_to",), problems)
    if ok_from and ok_to and data["valid_from"] > data["valid_to"]:
        problems.append(
            Problem(("valid_from",), f"{data['valid_from']} is after valid_to {data['valid_to']}")
        )
    if "cadres" not in skip:
        for i, cadre in enumerate(data.get("cadres") or []):
            check_cadre(cadre, ("cadres", i), codes, problems)
    if "quotas" not in skip:
        for cadre, quota in (data.get("quotas") or {}).items():
            check_cadre(cadre, ("quotas", cadre), codes, problems)
            check_range(quota, 0, QUOTA_MAX, ("quotas", cadre), problems)
    if "benefit_usd_per_worker" not in skip:
        benefit = data.get("benefit_usd_per_worker")
        check_range(benefit, 0, USD_PER_WORKER_MAX, ("benefit_usd_per_worker",), problems)
    return problems


def check_agreement_patch(
    *, session: Session, data: Mapping[str, Any], skip: Collection[str]
) -> list[Problem]:
    """The problems of an agreement PATCH body on its own (unknown fields, types, meaning), for
    an answer that must not reach the stored agreement (a missing ``If-Match``)."""
    problems: list[Problem] = []
    parse_model(AgreementUpdate, data, problems)
    reported = {*skip, *failed_locs(problems)}
    return problems + validate_agreement(data, codes=ReferenceCodes(session), skip=reported)


def create_agreement(
    *, session: Session, actor: Actor, data: AgreementCreate | Mapping[str, Any]
) -> Agreement:
    """Record a bilateral agreement (planner, admin).

    The body as sent: when its shape is wrong (types, unknown fields) every problem of it is
    reported before the role is checked; then the role, then the meaning.
    """
    raw = raw_fields(data)
    problems: list[Problem] = []
    parsed = parse_model(AgreementCreate, raw, problems)
    if parsed is None:
        skip = failed_locs(problems)
        problems += validate_agreement(raw, codes=ReferenceCodes(session), skip=skip)
        raise InvalidInput(problems)
    require_role(actor, "planner")
    fields = parsed.model_dump()
    problems = validate_agreement(fields, codes=ReferenceCodes(session), skip=set())
    if problems:
        raise InvalidInput(problems)
    agreement_id = fields.pop("id", None) or f"agr-{uuid.uuid4().hex[:12]}"
    if session.get(Agreement, agreement_id) is not None:
        raise Conflict(f"agreement {agreement_id!r} already exists")
    agreement = Agreement(id=agreement_id, created_by=actor.name, **fields)
    session.add(agreement)
    with created_once(f"agreement {agreement_id!r}"):
        session.flush()
    record(
        session=session,
        actor=actor,
        action="agreement.create",
        entity="agreement",
        entity_id=agreement_id,
        after=snapshot(agreement),
    )
    return agreement


def get_agreement(*, session: Session, agreement_id: str, lock: bool = False) -> Agreement:
    """One agreement (any role may read agreements); a deleted one is ``NotFound``.

    ``lock`` reads it ``FOR UPDATE``, so that concurrent writes of one agreement serialise and an
    ``If-Match`` version check cannot pass twice (PostgreSQL; SQLite serialises writers anyway).
    """
    agreement = session.get(
        Agreement, agreement_id, with_for_update=lock or None, populate_existing=lock
    )
    if agreement is None or agreement.deleted:
        raise NotFound(f"agreement {agreement_id!r} not found")
    return agreement


def list_agreements(
    *,
    session: Session,
    origin: str | None = None,
    destination: str | None = None,
    country: str | None = None,
) -> list[Agreement]:
    """Agreements not deleted, by id; ``country`` matches either side."""
    statement = select(Agreement).where(col(Agreement.deleted).is_(False))
    if origin is not None:
        statement = statement.where(Agreement.origin == origin.upper())
    if destination is not None:
        statement = statement.where(Agreement.destination == destination.upper())
    if country is not None:
        code = country.upper()
        statement = statement.where((Agreement.origin == code) | (Agreement.destination == code))
    return list(session.exec(statement.order_by(col(Agreement.id))))


def _writable(
    session: Session, actor: Actor, agreement_id: str, expected_version: Expected
) -> Agreement:
    require_role(actor, "planner")
    agreement = get_agreement(session=session, agreement_id=agreement_id, lock=True)
    require_version(expected_version, agreement.version, f"agreement {agreement_id!r}")
    return agreement


def _saved(
    session: Session,
    actor: Actor,
    agreement: Agreement,
    action: str,
    before: dict[str, Any] | None,
) -> Agreement:
    """A changed agreement written with its next version and audited (before and after)."""
    next_version(agreement)
    session.add(agreement)
    session.flush()
    record(
        session=session,
        actor=actor,
        action=action,
        entity="agreement",
        entity_id=agreement.id,
        before=before,
        after=snapshot(agreement),
    )
    return agreement


def update_agreement(
    *,
    session: Session,
    actor: Actor,
    agreement_id: str,
    data: AgreementUpdate | Mapping[str, Any],
    expected_version: Expected,
) -> Agreement:
    """Edit an agreement (PATCH, planner, admin); a stale version is ``PreconditionFailed``, a
    missing one ``PreconditionRequired`` with the problems of the body on its own."""
    raw = raw_fields(data)
    if isinstance(expected_version, VersionMissing):
        raise PreconditionRequired(check_agreement_patch(session=session, data=raw, skip=()))
    agreement = _writable(session, actor, agreement_id, expected_version)
    problems: list[Problem] = []
    parsed = parse_model(AgreementUpdate, raw, problems)
    skip = failed_locs(problems)
    changes = parsed.model_dump(exclude_unset=True) if parsed is not None else raw
    changes = {k: v for k, v in changes.items() if k not in skip}
    for key, value in list(changes.items()):
        if value is None and key not in NULLABLE:
            if key in DEFAULTS:
                changes[key] = DEFAULTS[key]
            else:
                problems.append(Problem((key,), "may not be null"))
                skip.add(key)
                del changes[key]
    before = snapshot(agreement)
    assert before is not None
    merged = {**before, **changes}
    problems += validate_agreement(merged, codes=ReferenceCodes(session), skip=skip)
    if problems or parsed is None:
        raise InvalidInput(problems)
    for key, value in changes.items():
        setattr(agreement, key, value)
    return _saved(session, actor, agreement, "agreement.update", before)


def delete_agreement(
    *, session: Session, actor: Actor, agreement_id: str, expected_version: Expected
) -> Agreement:
    """Delete an agreement (soft: it leaves future scenarios, the row stays for the record)."""
    agreement = _writable(session, actor, agreement_id, expected_version)
    before = snapshot(agreement)
    agreement.deleted = True
    return _saved(session, actor, agreement, "agreement.delete", before)
