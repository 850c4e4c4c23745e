"""Reading the change counters (the triggers that move them are in migration 0002)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from exchange.revisions.tables import ChangeCounter

POSTINGS = "postings"
"""The counter of ``deposits`` and ``withdrawals``: it moves with every insert, update or delete."""

_COUNTERS = ChangeCounter.__table__.c  # type: ignore[attr-defined]
_QUERY = select(_COUNTERS.value).where(_COUNTERS.name == POSTINGS)


def postings_revision(connection: Connection) -> int | None:
    """The postings' revision as this transaction sees it; None if the counter is missing.

    Read it before the postings themselves: whatever is read after it is at least as new, so a
    page cached under this revision is never older than the revision says.
    """
    value = connection.execute(_QUERY).scalar()
    return None if value is None else int(value)
