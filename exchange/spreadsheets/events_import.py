"""Importing placement events from a CSV or XLSX sheet (focal points' bulk updates): one row per
event (``placement_id``, ``kind``, ``workers``, ``month``, ``note``), all or nothing, every bad
row named with its problems.

Rows are checked in order against the placements' stages as the earlier rows leave them, so a
sheet may record a departure and then the start of the same workers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, SQLModel

from exchange.errors import Forbidden, InvalidInput, NotFound, Problem
from exchange.identity.actor import Actor, require_role
from exchange.placements.events import check_events, may_record, write_events
from exchange.placements.schemas import PlacementEventCreate
from exchange.placements.service import get_placement
from exchange.placements.tables import Placement
from exchange.spreadsheets.cells import CellError, is_blank, read_int, read_month
from exchange.spreadsheets.reading import read_sheet

REQUIRED = ("placement_id", "kind", "workers", "month")
OPTIONAL = ("note",)


class EventsImportResult(SQLModel):
    """What an import recorded."""

    events: int
    placements: list[int]


def _row_event(
    row: int, values: dict[str, Any], problems: list[Problem]
) -> tuple[int, PlacementEventCreate] | None:
    fields: dict[str, Any] = {}
    for name, read in (("placement_id", read_int), ("workers", read_int), ("month", read_month)):
        value = values.get(name)
        if is_blank(value):
            problems.append(Problem(("row", row, name), "required"))
            continue
        try:
            fields[name] = read(value)
        except CellError as error:
            problems.append(Problem(("row", row, name), str(error)))
    kind = values.get("kind")
    if is_blank(kind):
        problems.append(Problem(("row", row, "kind"), "required"))
    else:
        fields["kind"] = str(kind).strip().lower()
    note = values.get("note")
    if not is_blank(note):
        fields["note"] = str(note).strip()
    if any(p.loc[:2] == ("row", row) for p in problems):
        return None
    placement_id = fields.pop("placement_id")
    try:
        return placement_id, PlacementEventCreate.model_validate(fields)
    except ValidationError as error:
        for e in error.errors():
            problems.append(Problem(("row", row, *[str(x) for x in e["loc"]]), e["msg"]))
        return None


def import_events(
    *, session: Session, actor: Actor, content: bytes, filename: str | None = None
) -> EventsImportResult:
    """Record every event of the sheet in one unit, or none (``InvalidInput`` naming every bad
    row)."""
    require_role(actor, "planner", "focal_point")
    sheet = read_sheet(filename, content)
    missing = [c for c in REQUIRED if c not in sheet.header]
    unknown = [c for c in sheet.header if c and c not in REQUIRED + OPTIONAL]
    problems = [Problem(("header", c), "missing column") for c in missing]
    problems += [Problem(("header", c), "unknown column") for c in unknown]
    if problems:
        raise InvalidInput(problems)
    if not sheet.rows:
        raise InvalidInput([Problem(("file",), "the sheet has a header but no events")])
    by_placement: dict[int, list[tuple[int, PlacementEventCreate]]] = defaultdict(list)
    for row, cells in sheet.rows:
        values = dict(zip(sheet.header, cells, strict=False))
        parsed = _row_event(row, values, problems)
        if parsed is not None:
            by_placement[parsed[0]].append((row, parsed[1]))
    checked: list[tuple[Placement, list[PlacementEventCreate], dict[str, int]]] = []
    for placement_id, rows in sorted(by_placement.items()):
        try:
            placement = get_placement(session=session, actor=actor, placement_id=placement_id)
            may_record(actor, placement, destination_only=False)
        except (NotFound, Forbidden) as error:  # named on each of its rows; nothing recorded
            problems += [Problem(("row", r, "placement_id"), error.detail) for r, _ in rows]
            continue
        events = [event for _, event in rows]
        counts, found = check_events(placement, events, loc=("row",))
        row_of = {i: r for i, (r, _) in enumerate(rows)}
        for p in found:
            index = p.loc[1] if len(events) > 1 else 0
            rest = p.loc[2:] if len(events) > 1 else p.loc[1:]
            problems.append(Problem(("row", row_of[int(index)], *rest), p.msg))
        checked.append((placement, events, counts))
    if problems:
        bad = {p.loc[1] for p in problems if len(p.loc) > 1 and p.loc[0] == "row"}
        raise InvalidInput(
            problems,
            detail=f"{len(bad)} of {len(sheet.rows)} rows have problems ({len(problems)} in "
            "all); nothing was recorded",
        )
    for placement, events, counts in checked:
        write_events(
            session=session, actor=actor, placement=placement, events=events, counts=counts
        )
    return EventsImportResult(
        events=sum(len(e) for _, e, _ in checked),
        placements=[p.id for p, _, _ in checked if p.id is not None],
    )
