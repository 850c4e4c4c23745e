"""Dashboard data: fill per country and cadre, round objectives, flows (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from api.deps import ActorDep, SessionDep
from api.params import CadreFilter, CountryFilter, RoundFilter
from api.problems import errors
from exchange.dashboard import service
from exchange.dashboard.schemas import Flows, Summary

router = APIRouter(prefix="/v1/dashboard", tags=["dashboard"])


@router.get("/summary", response_model=Summary, responses=errors(401))
def summary(
    session: SessionDep,
    actor: ActorDep,
    country: CountryFilter = None,
    cadre: CadreFilter = None,
) -> Summary:
    """Per country and cadre: posted, remaining, placed, fill ratio; per round: objectives."""
    return service.summary(session=session, actor=actor, country=country, cadre=cadre)


@router.get(
    "/flows",
    response_model=Flows,
    responses={
        **errors(401, 404),
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"},
    },
)
def flows(
    session: SessionDep,
    actor: ActorDep,
    round: RoundFilter = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Origin, destination, cadre, workers, benefit of confirmed matches (with ``?round=``,
    also that round's proposals still pending); ``?format=csv`` gives text/csv.
    """
    data = service.flows(session=session, actor=actor, round_id=round)
    if format == "csv":
        return PlainTextResponse(service.flows_csv(data), media_type="text/csv")
    return data
