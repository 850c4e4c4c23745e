"""Integer path and query parameters, bounded to what the database stores (``exchange.bounds``).

Row ids are PostgreSQL ``integer`` columns: an id or offset beyond them was a 500 there (and a
nameless 422 on SQLite); bounded here, it is a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from exchange.bounds import ROW_MAX

RoundId = Annotated[int, Path(le=ROW_MAX, description="round id")]
ProposalId = Annotated[int, Path(le=ROW_MAX, description="proposal id")]
RoundFilter = Annotated[int | None, Query(ge=0, le=ROW_MAX, description="round id")]
"""``?round=``: only (or also) this round's rows."""
Offset = Annotated[int, Query(ge=0, le=ROW_MAX, description="rows to skip")]
