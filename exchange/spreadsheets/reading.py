"""Reading an uploaded CSV or XLSX file into a header and numbered rows.

Row numbers are the spreadsheet's own (the header is row 1, the first posting row 2), so a problem
reported for row 7 is on the line a person sees as 7 in Excel or LibreOffice. Blank rows are
skipped; a header cell is compared case- and space-insensitively.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any, Literal

from exchange.errors import InvalidInput, Problem

FileFormat = Literal["csv", "xlsx"]
FILE_FORMATS: tuple[FileFormat, ...] = ("csv", "xlsx")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
"""Columns read from a worksheet (a template has fewer than 20; the rest are ignored)."""
MAX_BLANK_RUN = 1000
"""Blank rows after which a worksheet is taken to have ended.

A workbook declares its used range, and openpyxl yields every row and column of it: one stray
space at XFD1048576 made a 5 KB file a million rows of 16,384 empty cells (7 minutes of a
server's CPU). Reading stops at ``MAX_COLUMNS`` columns and after ``MAX_BLANK_RUN`` blank rows.
"""
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: the sheet's name (XLSX), its header and its non-blank rows."""

    name: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def normalise_header(cell: Any) -> str:
    """``" Available From "`` -> ``"available_from"``."""
    text = "" if cell is None else str(cell).strip().lower()
    return "_".join(text.replace("-", " ").split())


def detect_format(filename: str | None, content: bytes) -> FileFormat:
    """``xlsx`` for a zip file (or an .xlsx name), else ``csv``."""
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    if filename and filename.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def _blank_row(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _decode(content: bytes) -> str:
    """The text of a CSV file: UTF-16 when it starts with a UTF-16 byte-order mark (Excel's
    "Unicode Text", tab-separated), else UTF-8 (with or without a mark), else Windows-1252."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as error:
            problem = Problem(("file",), f"the CSV file marked as UTF-16 is not UTF-16 ({error})")
            raise InvalidInput([problem]) from error
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        [Problem(("file",), "the CSV file is neither UTF-8, UTF-16 nor Windows-1252 text")]
    )


def read_csv(content: bytes) -> Sheet:
    """The header and rows of a CSV file (``,`` or ``;`` separated, sniffed from the header)."""
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    line_number = 0
    try:
        for line_number, values in enumerate(reader, start=1):
            if header is None:
                if _blank_row(list(values)):
                    continue
                header = [normalise_header(v) for v in values]
                continue
            if not _blank_row(list(values)):
                rows.append((line_number, list(values)))
    except csv.Error as error:  # a cell over the csv module's field limit (128 KB), a NUL byte
        where = f"line {line_number + 1}"
        problem = Problem(("file",), f"not a readable CSV file at {where}: {error}")
        raise InvalidInput([problem]) from error
    return Sheet(name=None, header=header or [], rows=rows)


def read_xlsx(content: bytes, *, sheet_name: str | None = None) -> Sheet:
    """The header and rows of one worksheet: ``sheet_name`` if given, else the first one whose
    name is ``deposits`` or ``withdrawals``, else the active one.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        problem = Problem(("file",), f"not a readable XLSX workbook ({error})")
        raise InvalidInput([problem]) from error
    try:
        names = workbook.sheetnames
        if sheet_name is not None and sheet_name in names:
            chosen = sheet_name
        else:
            known = [n for n in names if n.strip().lower() in ("deposits", "withdrawals")]
            chosen = known[0] if known else (workbook.active.title if workbook.active else names[0])
        worksheet = workbook[chosen]
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        blank_run = 0
        cells_of = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        for row_number, values in enumerate(cells_of, start=1):
            cells = list(values)
            if _blank_row(cells):
                blank_run += 1
                if blank_run > MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if header is None:
                header = [normalise_header(v) for v in cells]
                continue
            rows.append((row_number, cells))
            if len(rows) > MAX_ROWS:
                break
        return Sheet(name=chosen, header=header or [], rows=rows)
    finally:
        workbook.close()


def read_sheet(filename: str | None, content: bytes) -> Sheet:
    """Read a CSV or XLSX upload (by its content, or its name); refuses empty or huge files."""
    if not content:
        raise InvalidInput([Problem(("file",), "the file is empty")])
    if len(content) > MAX_BYTES:
        raise InvalidInput([Problem(("file",), f"the file is larger than {MAX_BYTES} bytes")])
    if detect_format(filename, content) == "xlsx":
        sheet = read_xlsx(content)
    else:
        sheet = read_csv(content)
    if not sheet.header:
        raise InvalidInput([Problem(("file",), "no header row: the file has no content")])
    if len(sheet.rows) > MAX_ROWS:
        raise InvalidInput([Problem(("file",), f"more than {MAX_ROWS} rows; split the file")])
    return sheet
