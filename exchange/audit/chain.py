"""The audit log's hash chain: the canonical form of an event, its hash, and the check of a chain.

Each event stores ``prev_hash`` (the ``hash`` of the event before it, ``GENESIS`` for the first)
and ``hash`` = SHA-256 (hex) of the canonical JSON of its fields and ``prev_hash``. The canonical
JSON is an object with the keys ``action, actor, after, at, before, entity, entity_id,
prev_hash`` sorted, no whitespace (``","`` and ``":"``), UTF-8 without escaping non-ASCII, and
``at`` as ISO 8601 in UTC with microseconds (``2026-12-02T16:20:55.123456+00:00``). The row's
``id`` is not hashed: the chain itself fixes the order, and ``id`` order is the chain's order.

Changing an event breaks its own hash; deleting, inserting or reordering events breaks the next
event's ``prev_hash``. Deleting the newest events leaves a shorter valid chain, which only a
``head`` noted earlier reveals, so the check reports the head too.

Pure: no database here (``exchange.audit.appending`` writes the chain, ``service`` reads it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.timestamps import as_utc

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

HASHED_FIELDS = ("at", "actor", "action", "entity", "entity_id", "before", "after")
"""The fields of an event that its hash covers, besides ``prev_hash``."""


def canonical_at(at: datetime) -> str:
    """An event's time as it is hashed: ISO 8601, UTC, microseconds."""
    return as_utc(at).isoformat(timespec="microseconds")


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """The canonical JSON of an event's hashed fields (``at`` already a string)."""
    text = json.dumps(
        dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def event_hash(event: Any, prev_hash: str) -> str:
    """The hash of ``event`` (anything with the ``HASHED_FIELDS`` as attributes) after
    ``prev_hash``."""
    fields: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = canonical_at(fields["at"])
    fields["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first event whose link fails, and why."""

    id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the whole chain: how many events, the first break (None when the
    chain holds) and the hash of the newest event (``GENESIS`` for an empty log)."""

    events: int
    first_break: ChainBreak | None
    head: str

    @property
    def intact(self) -> bool:
        return self.first_break is None


def check_chain(events: Iterable[Any]) -> ChainReport:
    """Check events given oldest first (rows with ``id``, ``prev_hash``, ``hash`` and the hashed
    fields); stops counting links at the first break but reports the number of events read."""
    expected_prev = GENESIS
    first_break: ChainBreak | None = None
    count = 0
    head = GENESIS
    for event in events:
        count += 1
        head = event.hash
        if first_break is not None:
            continue
        if event.prev_hash != expected_prev:
            first_break = ChainBreak(
                event.id,
                "prev_hash is not the hash of the event before it "
                "(an event before it was deleted, inserted or changed)",
            )
        elif event.hash != event_hash(event, event.prev_hash):
            first_break = ChainBreak(event.id, "hash does not match the event's content")
        expected_prev = event.hash
    return ChainReport(events=count, first_break=first_break, head=head)
