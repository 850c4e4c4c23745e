"""Conditional writes: which current versions of an object a write's precondition lets it change.

The API reads them from ``If-Match`` (RFC 9110 §13.1.1): ``*`` lets a write change any current
version (the object must exist); a list of versions lets it change any one of them; a weak tag
never matches (If-Match compares strongly), so a precondition may allow no version at all. A
service given a plain ``int`` expects exactly that version, and ``None`` means no precondition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, Update, update
from sqlmodel import SQLModel

from exchange.errors import PreconditionFailed, PreconditionRequired
from exchange.timestamps import utcnow


@dataclass(frozen=True)
class VersionMatch:
    """The versions a conditional write may change: any of ``versions``, or any at all."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    @classmethod
    def of(cls, versions: Iterable[int]) -> VersionMatch:
        """A precondition allowing exactly ``versions`` (none: it never holds)."""
        return cls(versions=frozenset(versions))

    def allows(self, current: int | None) -> bool:
        """Whether an object at version ``current`` (None: no object) may be changed."""
        if current is None:
            return False
        return self.any_version or current in self.versions

    def __str__(self) -> str:
        if self.any_version:
            return "any version"
        if not self.versions:
            return "no version (a weak tag never matches If-Match)"
        return " or ".join(str(v) for v in sorted(self.versions))


ANY_VERSION = VersionMatch(any_version=True)


@dataclass(frozen=True)
class VersionMissing:
    """A conditional write sent without the version it means to change (no ``If-Match``)."""


VERSION_MISSING = VersionMissing()

Expected = int | VersionMatch | VersionMissing | None
"""What a service is told to expect: one version, a ``VersionMatch``, nothing (no check), or
``VERSION_MISSING`` (a precondition is required and none came: ``PreconditionRequired``)."""


def require_version(expected: Expected, current: int | None, what: str) -> None:
    """``PreconditionFailed`` unless ``expected`` allows ``what`` at version ``current``
    (None: ``what`` does not exist yet).
    """
    if expected is None:
        return
    if isinstance(expected, VersionMissing):
        raise PreconditionRequired()
    match = VersionMatch.of([expected]) if isinstance(expected, int) else expected
    if match.allows(current):
        return
    state = "does not exist" if current is None else f"is at version {current}"
    raise PreconditionFailed(f"{what} {state}, not {match}")


def versioned_update(table: type[SQLModel], *conditions: ColumnElement[bool]) -> Update:
    """An ``UPDATE`` of ``table``'s rows matching ``conditions`` that moves their optimistic
    ``version`` by one: the one way a bulk (Core) update changes a versioned row. Chain
    ``.values(...)`` for the rest of the change."""
    columns = table.__table__.c  # type: ignore[attr-defined]
    return update(table).where(*conditions).values(version=columns.version + 1)


class Versioned(Protocol):
    """A row with an optimistic version and a last-change time."""

    version: int
    updated_at: datetime | None


def next_version(row: Versioned) -> None:
    """Move a changed row (an ORM object about to be flushed) to its next version, stamped now:
    the one way an object write moves a version (bulk updates use ``versioned_update``)."""
    row.version += 1
    row.updated_at = utcnow()
