"""Deposits and withdrawals: the same five routes for both, made by one factory over
``exchange.postings.service.PostingService``; what differs (paths, names, models, words) is the
``PostingRoutes`` of each kind. Bodies reach the service as sent, which validates them once.
"""

# No ``from __future__ import annotations``: the routes' annotations name the kind's models,
# known only inside the factory, so FastAPI must get them evaluated.
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, WithJsonSchema
from starlette.concurrency import run_in_threadpool

from api.bodies import body_route, documented_as
from api.deps import (
    ActorDep,
    BearerTokenDep,
    EditIfMatchDep,
    IfMatchDep,
    Page,
    PageDep,
    SessionDep,
    etag,
)
from api.idempotency import IdempotencyDep
from api.listing import PageQuery, postings_page
from api.params import CadreFilter, CountryFilter
from api.problems import errors
from exchange.codes import PostingStatus
from exchange.postings.schemas import (
    DepositPublic,
    DepositsPublic,
    WithdrawalPublic,
    WithdrawalsPublic,
)
from exchange.postings.service import DEPOSITS, WITHDRAWALS, PostingService

StatusQ = Annotated[PostingStatus | None, Query(description="open, filled or withdrawn")]


@dataclass(frozen=True)
class PostingRoutes:
    """What the routes of one kind of posting say and use."""

    service: PostingService[Any]
    public: type[BaseModel]
    page: type[BaseModel]
    list_doc: str
    post_doc: str

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def plural(self) -> str:
        return f"{self.service.name}s"


def _public(routes: PostingRoutes, posting: Any, response: Response) -> Any:
    response.headers["ETag"] = etag(posting.version)
    return routes.public.model_validate(posting, from_attributes=True)


def posting_router(routes: PostingRoutes) -> APIRouter:
    """List, post, get, patch and delete one kind of posting, under ``/v1/{plural}``."""
    router = APIRouter(prefix=f"/v1/{routes.plural}", tags=[routes.plural])
    _add_collection_routes(router, routes)
    _add_item_routes(router, routes)
    return router


def _add_collection_routes(router: APIRouter, routes: PostingRoutes) -> None:
    """``GET`` (a page) and ``POST`` (a new posting) on the kind's collection."""
    name, service = routes.name, routes.service

    @router.get(
        "",
        name=f"list_{routes.plural}",
        response_model=routes.page,
        responses=errors(401, 422),
        description=routes.list_doc,
    )
    async def list_postings(
        request: Request,
        token: BearerTokenDep,
        page: PageDep,
        country: CountryFilter = None,
        cadre: CadreFilter = None,
        status: StatusQ = None,
    ) -> Response:
        return await _postings_page(request, token, routes, country, cadre, status, page)

    @router.post(
        "",
        name=f"post_{name}",
        status_code=201,
        response_model=routes.public,
        responses=errors(401, 403, 404, 409, 422),
        description=routes.post_doc,
    )
    @body_route
    def post_posting(
        data: Annotated[dict[str, Any], documented_as(service.create_model)],
        session: SessionDep,
        actor: ActorDep,
        idem: IdempotencyDep,
    ) -> Any:
        replay = idem.replay_or_claim(data)
        if replay is not None:
            return replay
        posting = service.create(session=session, actor=actor, data=data)
        public = routes.public.model_validate(posting, from_attributes=True)
        body = public.model_dump(mode="json")
        headers = {"ETag": etag(posting.version), "Location": f"{router.prefix}/{posting.id}"}
        return idem.respond(201, body, headers)


def _add_item_routes(router: APIRouter, routes: PostingRoutes) -> None:
    """``GET``, ``PATCH`` and ``DELETE`` (withdraw) on one posting, by its id."""
    name, service = routes.name, routes.service
    item = f"/{{{name}_id}}"
    id_path = Path(alias=f"{name}_id", title=f"{name.title()} Id")
    # PATCH: the body as sent, documented as the Update schema inline (as it always was)
    patch_schema = WithJsonSchema(service.update_model.model_json_schema())

    @router.get(
        item,
        name=f"get_{name}",
        response_model=routes.public,
        responses=errors(401, 404),
        description=f"One {name} (ETag: its version).",
    )
    def get_posting(
        posting_id: Annotated[str, id_path],
        session: SessionDep,
        actor: ActorDep,
        response: Response,
    ) -> Any:
        posting = service.get(session=session, actor=actor, posting_id=posting_id)
        return _public(routes, posting, response)

    @router.patch(
        item,
        name=f"patch_{name}",
        response_model=routes.public,
        responses=errors(401, 403, 404, 409, 412, 422, 428),
        description=f"Edit a {name}; ``If-Match: <version>`` required (412 when stale).",
    )
    @body_route
    def patch_posting(
        posting_id: Annotated[str, id_path],
        data: Annotated[dict[str, Any], patch_schema],
        session: SessionDep,
        actor: ActorDep,
        version: EditIfMatchDep,
        response: Response,
    ) -> Any:
        posting = service.update(
            session=session,
            actor=actor,
            posting_id=posting_id,
            data=data,
            expected_version=version,
        )
        return _public(routes, posting, response)

    @router.delete(
        item,
        name=f"delete_{name}",
        response_model=routes.public,
        responses=errors(401, 403, 404, 409, 412, 428),
        description=f"Withdraw a {name} from the exchange (status ``withdrawn``); ``If-Match``"
        " required.",
    )
    def delete_posting(
        posting_id: Annotated[str, id_path],
        session: SessionDep,
        actor: ActorDep,
        version: IfMatchDep,
        response: Response,
    ) -> Any:
        posting = service.withdraw(
            session=session, actor=actor, posting_id=posting_id, expected_version=version
        )
        return _public(routes, posting, response)


async def _postings_page(
    request: Request,
    token: str | None,
    routes: PostingRoutes,
    country: str | None,
    cadre: str | None,
    status: str | None,
    page: Page,
) -> Response:
    """A page of postings, its database work in one worker-thread hop (see ``api.listing``)."""
    state = request.app.state
    body = await run_in_threadpool(
        partial(
            postings_page,
            engine=state.read_engine,
            cache=state.page_cache,
            token=token,
            lister=routes.service.page,
            model=routes.public,
            query=PageQuery(country, cadre, status, page.limit, page.offset),
        )
    )
    return Response(body, media_type="application/json")


DEPOSIT_ROUTES = PostingRoutes(
    DEPOSITS, DepositPublic, DepositsPublic,
    list_doc="Deposits by id, filtered and paginated; focal points see their own country's.",
    post_doc="Deposit workers (the country's focal point, or an admin); ``Idempotency-Key``"
    " honoured.",
)  # fmt: skip
WITHDRAWAL_ROUTES = PostingRoutes(
    WITHDRAWALS, WithdrawalPublic, WithdrawalsPublic,
    list_doc="Withdrawals by id, filtered and paginated; focal points see their own country's.",
    post_doc="Ask for positions to be filled (focal point or admin); ``Idempotency-Key`` honoured.",
)  # fmt: skip

router = APIRouter()
router.include_router(posting_router(DEPOSIT_ROUTES))
router.include_router(posting_router(WITHDRAWAL_ROUTES))
