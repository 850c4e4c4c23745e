"""The audit log: every write, who made it, when, and the object before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorDep, PageDep, SessionDep
from api.problems import errors
from exchange.audit import service
from exchange.audit.schemas import (
    AuditEventPublic,
    AuditEventsPublic,
    AuditVerificationPublic,
    ChainBreakPublic,
    Entity,
)

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditEventsPublic, responses=errors(401, 403, 422))
def list_audit_events(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    entity: Annotated[Entity | None, Query(description="kind of object written")] = None,
    entity_id: Annotated[str | None, Query(max_length=64, description="its id")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="e.g. deposit.update, round.close")
    ] = None,
    by: Annotated[
        str | None, Query(max_length=200, description="actor as recorded: name#user_id")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="only events with a greater id")
    ] = None,
) -> AuditEventsPublic:
    """Audit events, oldest first (paginated); planners and admins."""
    rows, total = service.list_events(
        session=session,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        by=by,
        after=after,
        limit=page.limit,
        offset=page.offset,
    )
    return AuditEventsPublic(
        data=[AuditEventPublic.model_validate(e, from_attributes=True) for e in rows], count=total
    )


@router.get("/verify", response_model=AuditVerificationPublic, responses=errors(401, 403))
def verify_audit_chain(session: SessionDep, actor: ActorDep) -> AuditVerificationPublic:
    """Check the audit log's hash chain (admin): the first event whose link breaks, or none."""
    report = service.verify_chain_as(session=session, actor=actor)
    broken = report.first_break
    return AuditVerificationPublic(
        intact=report.intact,
        events=report.events,
        first_break=None
        if broken is None
        else ChainBreakPublic(id=broken.id, reason=broken.reason),
        head=report.head,
    )
