"""Importing a sheet of deposits or withdrawals: all rows or none.

Every row goes through the postings service (the same validation as ``POST /v1/deposits``), inside
one savepoint. Problems are collected over the whole sheet, each located as
``("row", <spreadsheet row>, <column>, ...)``; when there is any, the savepoint is rolled back and
one ``InvalidInput`` lists them all, so nothing of a bad sheet is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from exchange.errors import Conflict, Forbidden, InvalidInput, Problem
from exchange.identity.actor import Actor, require_posting_writer
from exchange.postings.service import create_deposit, create_withdrawal
from exchange.spreadsheets.cells import CellError, is_blank, read_cell
from exchange.spreadsheets.columns import POSTING_KINDS, Column, PostingKind, columns_of
from exchange.spreadsheets.reading import Sheet, read_sheet
from exchange.spreadsheets.schemas import ImportResult

_DEPOSIT_ONLY = {"languages", "available_from", "available_to", "modalities"}
_WITHDRAWAL_ONLY = {"required_languages", "start_from", "start_to", "modality", "priority"}


def infer_kind(sheet: Sheet) -> PostingKind | None:
    """``deposits`` or ``withdrawals`` from the sheet's name, else from its columns."""
    if sheet.name:
        name = sheet.name.strip().lower()
        for kind in POSTING_KINDS:
            if name == kind or name == kind[:-1]:
                return kind
    header = set(sheet.header)
    deposit, withdrawal = bool(header & _DEPOSIT_ONLY), bool(header & _WITHDRAWAL_ONLY)
    if deposit != withdrawal:
        return "deposits" if deposit else "withdrawals"
    return None


def _header_problems(sheet: Sheet, columns: tuple[Column, ...]) -> list[Problem]:
    known = {c.name for c in columns}
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, name in enumerate(sheet.header, start=1):
        if not name:
            continue
        if name not in known:
            problems.append(
                Problem(
                    ("header", name),
                    f"unknown column {name!r} (column {position}); "
                    f"the columns are: {', '.join(c.name for c in columns)}",
                )
            )
        elif name in seen:
            problems.append(Problem(("header", name), f"column {name!r} appears twice"))
        seen.add(name)
    for column in columns:
        if column.required and column.name not in seen:
            problems.append(Problem(("header", column.name), "required column is missing"))
    return problems


def _row_fields(
    row_number: int,
    cells: list[Any],
    header: list[str],
    by_name: Mapping[str, Column],
    country: str | None,
    problems: list[Problem],
) -> tuple[dict[str, Any], set[str]]:
    """The posting fields of one row, and the columns already reported as bad."""
    fields: dict[str, Any] = {}
    bad: set[str] = set()
    for position, value in enumerate(cells):
        name = header[position] if position < len(header) else ""
        column = by_name.get(name)
        if column is None:
            if not is_blank(value):
                where = name or f"column {position + 1}"
                problems.append(
                    Problem(("row", row_number, where), "a value in a column without a header")
                )
            continue
        if is_blank(value):
            continue
        try:
            fields[name] = read_cell(column, value)
        except CellError as error:
            problems.append(Problem(("row", row_number, name), str(error)))
            bad.add(name)
    for name, column in by_name.items():
        if column.required and name not in fields and name not in bad:
            problems.append(Problem(("row", row_number, name), "required; the cell is empty"))
            bad.add(name)
    row_country = fields.get("country")
    if row_country is None and "country" not in bad:
        if country is None:
            problems.append(
                Problem(
                    ("row", row_number, "country"),
                    "required when the sheet is not imported for one country",
                )
            )
            bad.add("country")
        else:
            fields["country"] = country
    elif country is not None and row_country is not None and row_country != country:
        problems.append(
            Problem(
                ("row", row_number, "country"),
                f"this sheet is imported for {country}, the row is for {row_country}",
            )
        )
        bad.add("country")
    return fields, bad


def import_postings(
    *,
    session: Session,
    actor: Actor,
    content: bytes,
    filename: str | None = None,
    kind: PostingKind | None = None,
    country: str | None = None,
) -> ImportResult:
    """Create every posting of a CSV or XLSX sheet in one unit, or none (``InvalidInput``)."""
    if country is None and actor.is_focal_point:
        country = actor.country
    country = country.strip().upper() if country else None
    if actor.is_focal_point and country != actor.country:
        raise Forbidden(f"a focal point of {actor.country} imports {actor.country}'s postings only")
    require_posting_writer(actor, country or actor.country or "", f"postings of {country}")
    sheet = read_sheet(filename, content)
    kind = kind or infer_kind(sheet)
    if kind is None:
        raise InvalidInput(
            [Problem(("kind",), "cannot tell deposits from withdrawals: name the kind")]
        )
    columns = columns_of(kind)
    header_problems = _header_problems(sheet, columns)
    if header_problems:
        raise InvalidInput(header_problems)
    if not sheet.rows:
        raise InvalidInput([Problem(("file",), "the sheet has a header but no postings")])
    by_name = {c.name: c for c in columns}
    create: Callable[..., Any] = create_deposit if kind == "deposits" else create_withdrawal
    problems: list[Problem] = []
    bad_rows: set[int] = set()
    ids: list[str] = []
    workers = 0
    savepoint = session.begin_nested()
    try:
        for row_number, cells in sheet.rows:
            before = len(problems)
            fields, bad = _row_fields(row_number, cells, sheet.header, by_name, country, problems)
            if "country" not in bad:
                try:
                    posting = create(session=session, actor=actor, data=fields)
                except InvalidInput as error:
                    problems += [
                        Problem(("row", row_number, *p.loc), p.msg)
                        for p in error.problems
                        if not p.loc or p.loc[0] not in bad
                    ]
                except Conflict as error:
                    problems.append(Problem(("row", row_number, "id"), error.detail))
                else:
                    ids.append(posting.id)
                    workers += posting.count
            if len(problems) > before:
                bad_rows.add(row_number)
        if problems:
            raise InvalidInput(
                problems,
                detail=f"{len(bad_rows)} of {len(sheet.rows)} rows have problems "
                f"({len(problems)} in all); nothing was imported",
            )
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return ImportResult(
        kind=kind,
        country=country,
        sheet=sheet.name,
        imported=len(ids),
        workers=workers,
        ids=ids,
    )
