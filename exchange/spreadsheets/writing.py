"""Writing a table as CSV (UTF-8, comma separated, header first) or as an XLSX workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from exchange.spreadsheets.reading import FileFormat

MEDIA_TYPES: dict[FileFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Table:
    """A titled table: the title names the XLSX sheet; ``notes`` go to a second sheet, named
    ``notes_title`` (a template's column help, a ledger's balances)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[Sequence[Any]] = field(default_factory=tuple)
    notes_title: str = "help"
    widths: Sequence[int] = field(default_factory=tuple)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}:{v}" for k, v in value.items())
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


def to_csv(table: Table) -> bytes:
    """The table as CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook: a bold, frozen header, filters, sensible column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.title[:31]
    sheet.append(list(table.columns))
    for row in table.rows:
        sheet.append([_plain(v) for v in row])
    header_fill = PatternFill("solid", fgColor="1F4E5F")
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    for index, name in enumerate(table.columns, start=1):
        width = table.widths[index - 1] if index - 1 < len(table.widths) else 0
        longest = max([len(str(name))] + [len(str(r[index - 1])) for r in table.rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = max(width, min(longest + 2, 60))
    if table.notes:
        notes = workbook.create_sheet(table.notes_title[:31])
        for row in table.notes:
            notes.append(list(row))
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDE", (28, 10, 60, 60, 22), strict=False):
            notes.column_dimensions[letter].width = width
        for row_cells in notes.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(table: Table, file_format: FileFormat) -> bytes:
    """The table in ``file_format``."""
    return to_csv(table) if file_format == "csv" else to_xlsx(table)
