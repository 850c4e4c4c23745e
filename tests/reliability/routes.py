"""Every (method, path template) the app answers, read from ``app.routes`` so that a route added
tomorrow is enumerated by the sweeps without editing them.

FastAPI 0.165 keeps included routers as ``_IncludedRouter`` entries of ``app.routes`` (they expose
``effective_route_contexts()``); older versions flatten them into ``APIRoute``s. Both are handled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    in_schema: bool
    kind: str  # "route" or "mount"


def _walk(routes: list[Any]) -> Iterator[RouteInfo]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for ctx in contexts():
                for method in sorted(ctx.methods or ()):
                    yield RouteInfo(method, ctx.path, bool(ctx.include_in_schema), "route")
            continue
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        if path is None:
            continue
        if methods:
            in_schema = bool(getattr(route, "include_in_schema", True))
            for method in sorted(methods):
                if method != "HEAD":
                    yield RouteInfo(method, path, in_schema, "route")
        elif hasattr(route, "routes") or hasattr(route, "app"):
            yield RouteInfo("GET", path.rstrip("/") + "/{path}", False, "mount")


def app_routes(app: FastAPI) -> list[RouteInfo]:
    """Every route of ``app`` (HEAD, implied by GET, left out), sorted, without duplicates."""
    seen = {(r.method, r.path): r for r in _walk(list(app.routes)) if r.method != "HEAD"}
    return [seen[k] for k in sorted(seen)]
