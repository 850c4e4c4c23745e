"""Unknown query parameters are refused (422), not ignored.

API.md has unknown body fields rejected; a misspelt filter is the same trap in a query string:
``GET /v1/deposits?contry=PHL`` answered every country's deposits, and a dashboard built on it
would show the wrong numbers. ``refuse_unknown_query`` (an app-wide dependency, for the ``/v1``
routes) compares the query string with the parameters the route declares (its own and its
dependencies'), and when one is unknown answers 422 listing it, with every problem of the known
ones too, at ``["query", name]``. (A body is checked on the next try: FastAPI reads it after the
dependencies.)
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError

UNKNOWN = "unknown query parameter"
_CACHE = "_hrhx_query_parameters"


def _query_fields(dependant: Dependant) -> list[Any]:
    """The query parameters of a route and of its dependencies, depth first, each once."""
    fields: dict[str, Any] = {}
    stack = [dependant]
    while stack:
        node = stack.pop()
        for field in node.query_params:
            fields.setdefault(field.alias, field)
        stack.extend(node.dependencies)
    return list(fields.values())


def _route_query(route: Any) -> tuple[frozenset[str], list[Any]]:
    """(names, fields) of the query parameters ``route`` declares, computed once per route."""
    known: tuple[frozenset[str], list[Any]] | None = getattr(route, _CACHE, None)
    if known is None:
        fields = _query_fields(route.dependant)
        known = (frozenset(f.alias for f in fields), fields)
        setattr(route, _CACHE, known)
    return known


async def refuse_unknown_query(request: Request) -> None:
    """422 when the query string names a parameter the ``/v1`` route does not declare."""
    if not request.url.path.startswith("/v1/") or not request.query_params:
        return
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    names, fields = _route_query(route)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in names]
    if not unknown:
        return
    _, errors = request_params_to_args(fields, request.query_params)
    errors += [
        {"type": "unknown_query_parameter", "loc": ("query", name), "msg": UNKNOWN}
        for name in unknown
    ]
    raise RequestValidationError(errors)
