"""Countries, cadres and workforce facts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.bodies import body_route, documented_as
from api.deps import ActorDep, OptionalIfMatchDep, SessionDep, etag
from api.params import AsOfMonth
from api.problems import errors
from exchange.reference import service
from exchange.reference.schemas import (
    CadrePublic,
    CountriesPublic,
    CountryPublic,
    CountryUpsert,
    WorkforcePublic,
    WorkforceUpdate,
)

router = APIRouter(prefix="/v1", tags=["reference"])

Code = Annotated[str, Path(description="ISO 3166-1 alpha-3 code", examples=["NPL"])]
CadreCode = Annotated[str, Path(description="ISCO-08 unit group", examples=["2221"])]
CountryBody = Annotated[dict[str, Any], documented_as(CountryUpsert)]
"""A country as sent (documented as ``CountryUpsert``): the service validates it once."""
WorkforceBody = Annotated[dict[str, Any], documented_as(WorkforceUpdate)]
"""A workforce fact as sent (documented as ``WorkforceUpdate``): the service validates it once."""


AS_OF = ("query", "as_of")


@router.get("/countries", response_model=CountriesPublic, responses=errors(401, 422))
def list_countries(
    session: SessionDep, actor: ActorDep, as_of: AsOfMonth = None
) -> CountriesPublic:
    """Countries with their licensing languages and their safeguard status at ``as_of`` (this
    month by default), with the edition of the safeguards list in force then."""
    return service.list_countries(session=session, as_of=as_of, field=AS_OF)


@router.get("/countries/{code}", response_model=CountryPublic, responses=errors(401, 404, 422))
def get_country(
    code: Code, session: SessionDep, actor: ActorDep, response: Response, as_of: AsOfMonth = None
) -> CountryPublic:
    """One country, with its safeguard status at ``as_of`` (this month by default)."""
    country = service.get_country(session=session, code=code, as_of=as_of, field=AS_OF)
    response.headers["ETag"] = etag(country.version)
    return country


@router.put(
    "/countries/{code}", response_model=CountryPublic, responses=errors(401, 403, 404, 412, 422)
)
@body_route
def put_country(
    code: Code,
    data: CountryBody,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    version: OptionalIfMatchDep,
) -> CountryPublic:
    """Create or update a country (admin); ``safeguard_listed`` edits the safeguards list."""
    country = service.upsert_country(
        session=session, actor=actor, code=code, data=data, expected_version=version
    )
    response.headers["ETag"] = etag(country.version)
    return country


@router.get("/cadres", response_model=list[CadrePublic], responses=errors(401))
def list_cadres(session: SessionDep, actor: ActorDep) -> list[CadrePublic]:
    """ISCO-08 health cadres known to the exchange."""
    cadres = service.list_cadres(session=session)
    return [CadrePublic.model_validate(c.model_dump()) for c in cadres]


@router.get(
    "/workforce/{country}/{cadre}", response_model=WorkforcePublic, responses=errors(401, 404)
)
def get_workforce(
    country: Code, cadre: CadreCode, session: SessionDep, actor: ActorDep, response: Response
) -> WorkforcePublic:
    """Stock, education cost and positive-list status of a country's cadre (ETag: its version,
    0 while nothing is known).
    """
    fact = service.get_workforce(session=session, country=country, cadre=cadre)
    response.headers["ETag"] = etag(fact.version)
    return fact


@router.put(
    "/workforce/{country}/{cadre}",
    response_model=WorkforcePublic,
    responses=errors(401, 403, 404, 412, 422),
)
@body_route
def put_workforce(
    country: Code,
    cadre: CadreCode,
    data: WorkforceBody,
    session: SessionDep,
    actor: ActorDep,
    version: OptionalIfMatchDep,
    response: Response,
) -> WorkforcePublic:
    """Create or update a workforce fact: planners and admins for any country, a focal point for
    its own (another country's is 404); ``If-Match`` optional (412 when stale).
    """
    fact = service.put_workforce(
        session=session,
        actor=actor,
        country=country,
        cadre=cadre,
        data=data,
        expected_version=version,
    )
    response.headers["ETag"] = etag(fact.version)
    return fact
