"""Path and query parameters shared by the routers, checked so that a bad value is a 422 naming
the parameter.

Integers are bounded to what the database stores (``exchange.bounds``): row ids are PostgreSQL
``integer`` columns, and an id or offset beyond them was a 500 there (a nameless 422 on SQLite).
Country and cadre filters must look like codes: ``?country=zz`` used to answer an empty list, as if
nothing matched.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from exchange.bounds import ROW_MAX
from exchange.codes import MONTH_PATTERN

RoundId = Annotated[int, Path(ge=1, le=ROW_MAX, description="round id")]
ProposalId = Annotated[int, Path(ge=1, le=ROW_MAX, description="proposal id")]
UserId = Annotated[int, Path(ge=1, le=ROW_MAX, description="user id")]
RoundFilter = Annotated[int | None, Query(ge=0, le=ROW_MAX, description="round id")]
"""``?round=``: only (or also) this round's rows."""
Offset = Annotated[int, Query(ge=0, le=ROW_MAX, description="rows to skip")]

COUNTRY_PATTERN = r"^[A-Za-z]{3}$"
CADRE_PATTERN = r"^[0-9]{4}$"


def country_query(description: str) -> Any:
    """A country filter: an ISO 3166-1 alpha-3 code in any case; anything else is a 422 naming
    the parameter (``?country=zz`` used to answer an empty list, as if nothing matched)."""
    return Query(pattern=COUNTRY_PATTERN, description=f"{description} (ISO alpha-3 code)")


CountryFilter = Annotated[str | None, country_query("country")]
CadreFilter = Annotated[
    str | None, Query(pattern=CADRE_PATTERN, description="ISCO-08 unit group code (4 digits)")
]
AsOfMonth = Annotated[
    str | None,
    Query(
        pattern=MONTH_PATTERN,
        description="month YYYY-MM (default: this month); before the earliest recorded edition of"
        " the safeguards list it is a 422",
        examples=["2024-01"],
    ),
]
"""``?as_of=``: the month at which a country's safeguard status is read."""
