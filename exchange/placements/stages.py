"""A placement's stages: what each event counts, the limits that keep the counts consistent, and
the status they give, all as data (API.md, "Placements, payments and indicators").

A placement keeps cumulative counts: workers who signed a contract, departed, started, returned
home, ended their contract (and stayed or moved on), and were cancelled (never went; they stop
counting against quotas and depletion caps). An event adds its workers to its stage; it is
refused, with every broken limit named, when a count would exceed what it is bounded by.

    booked --contract_signed--> contracted --departed--> departed --started--> active
    active --returned | ended (all workers)--> completed;  any --cancelled (all)--> cancelled
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_
from sqlmodel import col

from exchange.codes import PlacementEventKind as Kind
from exchange.placements.tables import Placement

STAGES: dict[Kind, str] = {kind: kind.value for kind in Kind}
"""The count each event kind adds to (the columns have the kinds' names)."""

REMOTE_ONLY_LOCAL = frozenset({Kind.DEPARTED, Kind.RETURNED})
"""A remote placement's workers never leave home: these events do not apply to it."""


@dataclass(frozen=True)
class Limit:
    """``sum(counts) <= sum(bounds)``; ``"workers"`` is the placement's workers."""

    counts: tuple[str, ...]
    bounds: tuple[str, ...]
    relocation_only: bool = False

    def describe(self) -> str:
        """The limit in words."""
        counts = " + ".join(self.counts)
        bounds = " + ".join(self.bounds)
        return f"{counts} may not exceed {bounds}"


LIMITS: tuple[Limit, ...] = (
    Limit(("contract_signed",), ("workers",)),
    Limit(("departed", "cancelled"), ("workers",)),
    Limit(("started", "cancelled"), ("workers",)),
    Limit(("started",), ("departed",), relocation_only=True),
    Limit(("returned", "ended"), ("started",)),
)
"""Never more started than departed, more returned (or ended) than started, nor a stage beyond
the placement's workers."""


class PlacementStatus(StrEnum):
    """Where a placement stands, from its counts (the first that holds, in this order)."""

    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ACTIVE = "active"
    DEPARTED = "departed"
    CONTRACTED = "contracted"
    BOOKED = "booked"


def _value(counts: Mapping[str, int], names: tuple[str, ...]) -> int:
    return sum(counts[name] for name in names)


def counts_of(placement: Placement) -> dict[str, int]:
    """A placement's counts, and its workers, by name."""
    counts = {stage: int(getattr(placement, stage)) for stage in STAGES.values()}
    counts["workers"] = placement.workers
    return counts


def apply(
    placement: Placement, counts: dict[str, int], kind: Kind, workers: int, month: str
) -> list[tuple[str, str]]:
    """Add an event to ``counts`` (a placement's, as ``counts_of`` gives them); the problems it
    has, each as (field, words) (an event with problems changes nothing)."""
    problems: list[tuple[str, str]] = []
    if workers < 1:
        problems.append(("workers", "must be at least 1"))
    if month < placement.start_month:
        problems.append(
            ("month", f"{month} is before the placement's start ({placement.start_month})")
        )
    if placement.modality != "relocation" and kind in REMOTE_ONLY_LOCAL:
        problems.append(
            ("kind", f"a {placement.modality} placement's workers never leave: no {kind}")
        )
    if workers < 1:
        return problems
    after = dict(counts)
    after[STAGES[kind]] += workers
    for limit in LIMITS:
        if limit.relocation_only and placement.modality != "relocation":
            continue
        if _value(after, limit.counts) > _value(after, limit.bounds):
            problems.append(
                (
                    "workers",
                    f"{limit.describe()}: {_value(after, limit.counts)} against "
                    f"{_value(after, limit.bounds)} after this event",
                )
            )
    if not problems:
        counts.update(after)
    return problems  # every problem named; with any, ``counts`` is left as it was


def status_of(counts: Mapping[str, int]) -> PlacementStatus:
    """The status of a placement with these counts."""
    workers = counts["workers"]
    if counts["cancelled"] >= workers:
        return PlacementStatus.CANCELLED
    if counts["returned"] + counts["ended"] + counts["cancelled"] >= workers:
        return PlacementStatus.COMPLETED
    if counts["started"] > 0:
        return PlacementStatus.ACTIVE
    if counts["departed"] > 0:
        return PlacementStatus.DEPARTED
    if counts["contract_signed"] > 0:
        return PlacementStatus.CONTRACTED
    return PlacementStatus.BOOKED


def status_condition(status: str) -> ColumnElement[bool]:
    """The SQL condition of placements in ``status`` (as ``status_of`` decides it)."""
    p = Placement
    cancelled = col(p.cancelled) >= col(p.workers)
    completed = col(p.returned) + col(p.ended) + col(p.cancelled) >= col(p.workers)
    conditions: dict[str, Any] = {
        PlacementStatus.CANCELLED: cancelled,
        PlacementStatus.COMPLETED: and_(not_(cancelled), completed),
        PlacementStatus.ACTIVE: and_(not_(completed), col(p.started) > 0),
        PlacementStatus.DEPARTED: and_(not_(completed), col(p.started) == 0, col(p.departed) > 0),
        PlacementStatus.CONTRACTED: and_(
            not_(completed), col(p.started) == 0, col(p.departed) == 0, col(p.contract_signed) > 0
        ),
        PlacementStatus.BOOKED: and_(
            not_(completed),
            col(p.started) == 0,
            col(p.departed) == 0,
            col(p.contract_signed) == 0,
        ),
    }
    condition: ColumnElement[bool] = conditions.get(status, false())
    return or_(condition)
