"""Pages of a table: the rows matching some conditions, in id order, and how many match in all.

The lists of rounds, proposals, ledger entries and audit events are all this; postings read plain
rows instead of ORM objects (``exchange.postings.service``) and build their own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

M = TypeVar("M", bound=SQLModel)


def page_by_id(
    session: Session,
    model: type[M],
    conditions: Sequence[Any],
    *,
    limit: int,
    offset: int,
    newest_first: bool = False,
) -> tuple[list[M], int]:
    """Rows of ``model`` meeting every condition, ``offset`` and ``limit`` applied in id order
    (descending when ``newest_first``), and the number of all rows that meet them."""
    total = session.exec(select(func.count()).select_from(model).where(*conditions)).one()
    row_id = col(model.id)  # type: ignore[attr-defined]
    order = row_id.desc() if newest_first else row_id
    rows = session.exec(
        select(model).where(*conditions).order_by(order).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)
