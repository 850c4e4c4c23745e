"""Domain exceptions raised by services; the API translates them once into problem details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (``loc``) and what (``msg``)."""

    loc: tuple[str | int, ...]
    msg: str


class ExchangeError(Exception):
    """Base of every error a service raises on purpose."""

    title = "Exchange error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ExchangeError):
    """The object does not exist (or the caller may not learn that it exists)."""

    title = "Not found"


class Forbidden(ExchangeError):
    """The caller's role lacks the right."""

    title = "Forbidden"


class Unauthorized(ExchangeError):
    """No identity, or an unknown token."""

    title = "Unauthorized"


class Conflict(ExchangeError):
    """The request conflicts with the object's state (a transition already made, a duplicate)."""

    title = "Conflict"


class PreconditionFailed(ExchangeError):
    """An ``If-Match`` version is stale."""

    title = "Precondition failed"


class PreconditionRequired(ExchangeError):
    """A conditional write came without the version it means to change; ``problems`` lists what
    else is wrong with its input, checked without reaching the object (RFC 6585's 428 when none)."""

    title = "Precondition required"

    def __init__(self, problems: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        super().__init__("the version to change is required")


class InvalidInput(ExchangeError):
    """The input breaks one or more rules; ``problems`` names every one of them."""

    title = "Invalid input"

    def __init__(self, problems: Sequence[Problem], detail: str | None = None) -> None:
        self.problems = list(problems)
        summary = "; ".join(f"{'.'.join(str(p) for p in pr.loc)}: {pr.msg}" for pr in self.problems)
        super().__init__(detail or f"{len(self.problems)} problem(s): {summary}")


class TooMany(ExchangeError):
    """A rate or size limit was exceeded."""

    title = "Too many requests"

    def __init__(self, detail: str, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
