"""Pages of deposits and withdrawals: one worker-thread hop, cached under the postings revision.

A list request used to cost a worker-thread hop per sync dependency (session, actor) and for the
route, plus the database work and the serialisation of the page. Here the route is ``async`` and
does everything that touches the database in one hop: authenticate the token, read the postings'
revision (a counter that database triggers move on every change of ``deposits`` or
``withdrawals``, whoever writes), and return the page's JSON bytes, from the cache when this
process already serialised the same page at the same revision for the same audience.

The cache is exact: the revision is read before the rows, so a page is never cached under a
revision older than its content, and any committed change to a posting moves the revision for
every process. What a page shows depends only on the postings, the query and whether the caller
is a focal point (who sees only their country's), so those make the key; the token is checked on
every request, so a revoked token stops working at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy.engine import Engine
from sqlmodel import Session

from exchange.identity.actor import Actor
from exchange.identity.service import authenticate_on
from exchange.revisions.service import postings_revision

Lister = Callable[..., tuple[list[Any], int]]
"""``service.list_deposits`` or ``service.list_withdrawals``."""


@dataclass(frozen=True)
class PageQuery:
    """What a list request asked for (part of the cache key)."""

    country: str | None
    cadre: str | None
    status: str | None
    limit: int
    offset: int


class PageCache:
    """Serialised pages by key, within ``max_bytes``, the least recently used evicted first; safe
    across threads. A budget in bytes, not pages: a page of 500 is ten times one of 50."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        if len(body) > self.max_bytes:  # the cache is off, or the page alone is too big
            return
        with self._lock:
            previous = self._pages.pop(key, None)
            self._bytes += len(body) - (len(previous) if previous is not None else 0)
            self._pages[key] = body
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)


def page_json(rows: list[Any], total: int, model: type[BaseModel]) -> bytes:
    """A ``{data, count}`` page serialised straight from the service's rows (fields of ``model``).

    The rows come from the database through the service, so they are not validated again: a page
    of 100 is serialised in one pass instead of being validated twice (here and by FastAPI).
    """
    fields = tuple(model.model_fields)
    if rows:  # plain rows from the service: pick the fields by position, once for the page
        positions = [rows[0]._fields.index(name) for name in fields]
        named = list(zip(fields, positions, strict=True))
        data = [{name: row[i] for name, i in named} for row in rows]
    else:
        data = []
    return to_json({"data": data, "count": total})


def postings_page(
    *,
    engine: Engine,
    cache: PageCache,
    token: str | None,
    lister: Lister,
    model: type[BaseModel],
    query: PageQuery,
) -> bytes:
    """The JSON of one page of postings for the holder of ``token`` (runs on a worker thread)."""
    with engine.connect() as connection:  # one read transaction for the token, revision and rows
        actor: Actor = authenticate_on(connection, token)
        revision = postings_revision(connection)
        audience = actor.country if actor.is_focal_point else None
        key = (model.__name__, revision, audience, query)
        if revision is not None and (body := cache.get(key)) is not None:
            return body
        with Session(bind=connection) as session:
            rows, total = lister(
                session=session,
                actor=actor,
                country=query.country,
                cadre=query.cadre,
                status=query.status,
                limit=query.limit,
                offset=query.offset,
            )
        body = page_json(rows, total, model)
    if revision is not None:
        cache.put(key, body)
    return body
