"""Reading uploaded worksheets: a workbook's declared range does not decide how much is read."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

import exchange.spreadsheets.reading as reading
from exchange.errors import InvalidInput
from exchange.spreadsheets.reading import read_sheet


def _xlsx(cells: dict[tuple[int, int], object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "deposits"
    for (row, column), value in cells.items():
        sheet.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_stray_cell_far_away_does_not_make_a_huge_sheet() -> None:
    """One space at XFD1048576 declared a range of a million rows of 16,384 columns, which the
    reader walked cell by cell; it now reads 100 columns and stops after 1,000 blank rows."""
    content = _xlsx(
        {(1, 1): "country", (1, 2): "count", (2, 1): "PHL", (2, 2): 3, (1048576, 16384): " "}
    )
    sheet = read_sheet("d.xlsx", content)
    assert sheet.header[:2] == ["country", "count"]
    assert len(sheet.header) <= reading.MAX_COLUMNS
    assert [(number, cells[:2]) for number, cells in sheet.rows] == [(2, ["PHL", 3])]


def test_rows_after_a_long_blank_run_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_BLANK_RUN", 3)
    content = _xlsx(
        {(1, 1): "country", (2, 1): "PHL", (5, 1): "DEU", (6, 1): "JPN", (11, 1): "NPL"}
    )
    sheet = read_sheet("d.xlsx", content)
    assert [number for number, _ in sheet.rows] == [2, 5, 6]  # 2 blank rows pass, 4 end it


def test_a_csv_cell_beyond_the_field_limit_is_a_problem_not_a_crash() -> None:
    content = b"country,notes\nPHL,ok\nPHL," + b"x" * 200_000 + b"\n"
    with pytest.raises(InvalidInput) as refused:
        read_sheet("d.csv", content)
    (problem,) = refused.value.problems
    assert problem.loc == ("file",)
    assert problem.msg.startswith("not a readable CSV file at line 3: field larger than")


CSV = "country,cadre,count\nPHL,2221,3\nNPL,3221,2\n"


@pytest.mark.parametrize(
    "content",
    [
        CSV.encode(),
        b"\xef\xbb\xbf" + CSV.encode(),  # UTF-8 with a byte-order mark (Excel's "CSV UTF-8")
        CSV.replace(",", "\t").encode("utf-16"),  # Excel's "Unicode Text": UTF-16, tabs
        CSV.replace(",", "\t").encode("utf-16-be").join([b"\xfe\xff", b""]),
        CSV.replace(",", ";").encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-tabs", "utf-16-be-tabs", "cp1252-semicolons"],
)
def test_csv_files_as_spreadsheet_programs_save_them_read_alike(content: bytes) -> None:
    sheet = read_sheet("d.csv", content)
    assert sheet.header == ["country", "cadre", "count"]
    assert [cells for _, cells in sheet.rows] == [["PHL", "2221", "3"], ["NPL", "3221", "2"]]


def test_a_csv_file_marked_utf_16_that_is_not_is_a_clear_problem() -> None:
    with pytest.raises(InvalidInput) as raised:
        read_sheet("d.csv", b"\xff\xfe" + b"c\x00o\x00\x00\xd8")  # a lone surrogate
    assert "UTF-16" in raised.value.problems[0].msg
