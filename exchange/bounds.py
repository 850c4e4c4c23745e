"""The ranges of the integers a request may carry, so that none is beyond what the database stores.

PostgreSQL keeps these fields in 32-bit ``integer`` columns (at most 2,147,483,647) and SQLite in
64-bit ones, while JSON carries integers of any size: without a bound, a large value was a 500 on
PostgreSQL (or a 422 naming no field on SQLite). Each upper bound is one a planner finds plausible
and the database stores; MATCHING.md fixes only the priority (1..5) and, by its name, the depletion
share (0..1). The bounds are checked where the other rules of each field are (``validation``
modules, ``exchange.rounds.schemas``), named in the OpenAPI document (``documented``) and
recorded in docs/decisions.md.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, JsonValue

WORKERS_MAX = 100_000
"""Workers in one deposit or withdrawal (``count``)."""
QUOTA_MAX = 1_000_000
"""Workers of one cadre an agreement lets move in one round (``quotas``, MATCHING.md rule C2)."""
STOCK_MAX = 100_000_000
"""Workers of one cadre in one country (``stock``): the largest national stocks are millions."""
USD_PER_WORKER_MAX = 10_000_000
"""US dollars per worker: benefits, minimum benefits, education costs."""
PAIR_BENEFIT_USD_MAX = 1_000_000_000
"""US dollars of benefit between two countries in one round (``pair_minimum_benefit_usd``)."""
MONTHS_MAX = 480
"""Months of a posting's duration or of language training: forty years, a working life."""
PRIORITY_RANGE = (1, 5)
"""A withdrawal's priority (MATCHING.md)."""
SEED_MAX = 2**31 - 1
"""A round's random seed (the solver's seed is a 32-bit integer)."""
ROW_MAX = 2**31 - 1
"""Row ids (rounds, proposals, events) and row offsets: PostgreSQL's ``integer`` columns."""
DEPLETION_SHARE_MAX = 1
"""``max_depletion_share`` is a share of a country's stock."""


def documented(low: int | None, high: int) -> dict[str, JsonValue]:
    """The JSON Schema of a range (``minimum``, ``maximum``), for the OpenAPI document."""
    return {"maximum": high} if low is None else {"minimum": low, "maximum": high}


def _ranged(low: int, high: int) -> object:
    return Field(json_schema_extra=documented(low, high))


Workers = Annotated[int, _ranged(1, WORKERS_MAX)]
Quota = Annotated[int, _ranged(0, QUOTA_MAX)]
Stock = Annotated[int, _ranged(0, STOCK_MAX)]
UsdPerWorker = Annotated[int, _ranged(0, USD_PER_WORKER_MAX)]
Months = Annotated[int, _ranged(0, MONTHS_MAX)]
PositiveMonths = Annotated[int, _ranged(1, MONTHS_MAX)]
Priority = Annotated[int, _ranged(*PRIORITY_RANGE)]
"""Integer fields of a body with their documented range; the range itself is checked by the
service, with the body's other rules, so that every problem is reported at once."""
