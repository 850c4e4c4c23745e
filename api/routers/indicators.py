"""The WHO monitoring indicators (bilateral agreements guidance, Table 1), as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, SessionDep
from api.params import country_query
from api.problems import errors
from exchange.indicators.schemas import Indicators
from exchange.indicators.service import indicators
from exchange.spreadsheets.exports import indicators_table
from exchange.spreadsheets.writing import MEDIA_TYPES, render

router = APIRouter(prefix="/v1/indicators", tags=["indicators"])

MonthQuery = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]


@router.get(
    "",
    response_model=Indicators,
    responses={
        **errors(401, 422),
        200: {
            "content": {"text/csv": {}, MEDIA_TYPES["xlsx"]: {}},
            "description": "JSON, or a file with ?format=csv|xlsx",
        },
    },
)
def get_indicators(
    session: SessionDep,
    actor: ActorDep,
    period_from: Annotated[str | None, Query(alias="from", max_length=7)] = None,
    to: MonthQuery = None,
    country: Annotated[str | None, country_query("origin or destination")] = None,
    agreement: Annotated[str | None, Query(max_length=64)] = None,
    cadre: Annotated[str | None, Query(max_length=4)] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """Workers moved per route (and under G2G), per agreement, who signed a contract before
    departure, who returned (and months abroad), health-system investment promised and
    delivered, and relocations as a share of the stock; each with its definition and the row
    of the WHO guidance's Table 1 it serves (any role)."""
    data = indicators(
        session=session,
        actor=actor,
        period_from=period_from,
        period_to=to,
        country=country,
        agreement=agreement,
        cadre=cadre,
    )
    if format == "json":
        return data
    body = render(indicators_table(data), format)
    name = f"hrhx-indicators.{format}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
