"""Request limits, as one pure ASGI middleware: a cap on the request body and a rate per token.

- A body longer than ``HRHX_MAX_BODY_BYTES`` is refused with 413 before any route reads it (by its
  ``Content-Length``, or while it streams in when the length is not announced).
- Each caller (its bearer token; without one, its address) may make ``HRHX_RATE_LIMIT_PER_MINUTE``
  requests a minute: a token bucket of that size refilled continuously. An empty bucket gives 429
  with ``Retry-After`` (seconds). ``/healthz`` is not counted, so probes never starve a caller.

The buckets live in this process: several server processes each allow the full rate.
Both errors are RFC 9457 problem details, like every other error of the API.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy.engine import Engine

from exchange.config import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://hrhx.org/problems/"
MAX_BUCKETS = 10_000
"""Callers remembered at once; the least recently seen are forgotten first (a full bucket)."""
UNMETERED_PATHS = frozenset({"/healthz"})


class TokenBuckets:
    """A token bucket per key: ``capacity`` requests, refilled at ``capacity`` a minute."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_BUCKETS,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0 when allowed, else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value)
    return None


def caller_key(scope: Scope) -> str:
    """Whom a request is counted against: a digest of its bearer token, else its address."""
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == b"bearer " and auth[7:].strip():
        return "token:" + hashlib.sha256(auth[7:].strip()).hexdigest()[:32]
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


async def _problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
) -> None:
    body = json.dumps(
        {
            "type": TYPE_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": instance,
        }
    ).encode()
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class RequestLimits:
    """ASGI middleware enforcing the body size cap and the per-caller rate of ``settings``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        per_minute = settings.rate_limit_per_minute
        self.buckets = TokenBuckets(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if self.buckets is not None and path not in UNMETERED_PATHS:
            wait = self.buckets.take(caller_key(scope))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await _problem(
                    send,
                    429,
                    "too-many-requests",
                    "Too many requests",
                    f"at most {int(self.buckets.capacity)} requests a minute per token;"
                    f" retry after {retry} s",
                    path,
                    {"Retry-After": str(retry)},
                )
                return
        if self.max_body <= 0:
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            announced = int(length) if length.strip().isdigit() else None
            if announced is None:
                await _problem(send, 400, "bad-request", "Bad request", "bad Content-Length", path)
                return
            if announced > self.max_body:
                await self._too_large(send, path)
                return
            await self.app(scope, receive, send)
            return
        # No length announced (chunked): read the body up to the cap, then replay it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body:
                await self._too_large(send, path)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, path: str) -> None:
        await _problem(
            send,
            413,
            "too-large",
            "Too large",
            f"the request body is larger than {self.max_body} bytes",
            path,
            {"Connection": "close"},
        )


SQLITE_CONCURRENT_WRITES = 4
"""Write requests let into the app at once on SQLite, which has one write lock."""
MAX_IN_FLIGHT = 32
"""Requests let into the app at once, at most: below anyio's 40 worker threads."""
UNGATED_SUFFIXES = ("/events",)
"""Server-sent event streams: long-lived, and they hold no connection while they wait."""


def pool_capacity(engine: Engine) -> int:
    """How many connections ``engine``'s pool hands out at once (pool size plus overflow)."""
    pool = engine.pool
    size = getattr(pool, "size", None)
    if not callable(size):
        return MAX_IN_FLIGHT
    return int(size()) + max(0, int(getattr(pool, "_max_overflow", 0)))


def in_flight_limit(*engines: Engine) -> int:
    """Requests to let in at once so that none waits for a connection inside a worker thread."""
    return max(1, min([MAX_IN_FLIGHT, *(pool_capacity(e) for e in engines)]))


class ConcurrencyGate:
    """ASGI middleware bounding the requests inside the app (and, optionally, the writes).

    Sync routes and dependencies run on anyio's pool of 40 worker threads, and a request needs a
    thread several times (its dependencies, its route, its response) while holding a database
    connection and, for a write, row locks (PostgreSQL) or the write lock (SQLite). Unbounded, 50
    concurrent writes fill every thread with requests waiting for a connection or a lock while the
    request holding it waits for a thread: all of them stall until the pool's 30 s timeout and
    fail with 500. Admitting no more requests than the pool has connections (and, on SQLite, few
    writes) keeps a thread free for the holder; waiting at the gate costs no thread.
    """

    def __init__(self, app: ASGIApp, limit: int, write_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        self.write_limit = write_limit
        self._all: asyncio.Semaphore | None = None
        self._writes: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path in UNMETERED_PATHS or path.endswith(UNGATED_SUFFIXES):
            await self.app(scope, receive, send)
            return
        if self._all is None:
            self._all = asyncio.Semaphore(self.limit)
            self._writes = asyncio.Semaphore(self.write_limit or self.limit)
        assert self._writes is not None
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            async with self._all:
                await self.app(scope, receive, send)
            return
        async with self._writes, self._all:
            await self.app(scope, receive, send)
