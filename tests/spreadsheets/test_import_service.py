"""Spreadsheet import at service level: good and bad files, CSV and XLSX, all rows or none."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from exchange.errors import Forbidden, InvalidInput
from exchange.postings.tables import Deposit, Withdrawal
from exchange.spreadsheets.cells import CellError, parse_languages, parse_list
from exchange.spreadsheets.importing import import_postings
from exchange.spreadsheets.templates import template
from tests.exchange.factories import ADMIN, DEU_FP, NPL_FP, PLANNER, seed_reference

DEPOSITS_CSV = (
    "id,cadre,count,languages,available_from,available_to,modalities,preferred_destinations\n"
    "npl-a,2221,20,en:B2;ne:C2,2026-12,2027-12,relocation;remote,GBR;deu\n"
    "npl-b,2240,5,,2027-01,2027-06,,\n"
)


def xlsx(rows: list[list[Any]], title: str = "Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def db(session: Session) -> Session:
    seed_reference(session)
    return session


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[tuple, str]:
    return {p.loc: p.msg for p in error.value.problems}


def test_list_and_language_cells() -> None:
    assert parse_list(" relocation ; remote,") == ["relocation", "remote"]
    assert parse_languages("en:b2; DE=B1;ja C1") == {"en": "B2", "de": "B1", "ja": "C1"}
    with pytest.raises(CellError):
        parse_languages("english")
    with pytest.raises(CellError):
        parse_languages("en:B2;en:C1")


def test_good_csv_imports_every_row_for_the_focal_points_country(db: Session) -> None:
    result = import_postings(session=db, actor=NPL_FP, content=DEPOSITS_CSV.encode(), kind=None)
    db.commit()
    assert (result.kind, result.country, result.imported, result.workers) == (
        "deposits",
        "NPL",
        2,
        25,
    )
    a = db.get(Deposit, "npl-a")
    assert a is not None
    assert a.languages == {"en": "B2", "ne": "C2"}
    assert a.modalities == ["relocation", "remote"]
    assert a.preferred_destinations == ["GBR", "DEU"]
    b = db.get(Deposit, "npl-b")
    assert b is not None
    assert (b.country, b.modalities, b.languages) == ("NPL", ["relocation"], {})


def test_bad_csv_reports_every_problem_with_row_and_column_and_imports_nothing(
    db: Session,
) -> None:
    content = (
        b"cadre;count;languages;available_from;available_to;modalities\n"
        b"2221;20;en:B2;2026-12;2027-12;relocation\n"
        b"9999;-3;english;2027-13;2027-01;teleport\n"
        b"\n"
        b"2221;;en:B2;2027-05;2027-01;remote\n"
    )
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=NPL_FP, content=content)
    found = problems_of(error)
    assert ("row", 3, "cadre") in found
    assert ("row", 3, "count") in found
    assert "language and level" in found[("row", 3, "languages")]
    assert "YYYY-MM" in found[("row", 3, "available_from")]
    assert any(loc[:3] == ("row", 3, "modalities") for loc in found)
    assert found[("row", 5, "count")] == "required; the cell is empty"
    assert "after" in found[("row", 5, "available_from")]
    assert not any(loc[1] == 2 for loc in found)
    assert "2 of 3 rows" in error.value.detail
    db.rollback()
    assert db.exec(select(Deposit)).all() == []


def test_good_xlsx_withdrawals_with_typed_cells(db: Session) -> None:
    from datetime import datetime

    content = xlsx(
        [
            [
                "ID",
                "Cadre",
                "Count",
                "Required languages",
                "Start from",
                "Start to",
                "Priority",
                "Requires recognition",
                "Benefit USD per worker",
            ],
            ["deu-1", 2221, 10.0, "de:B1", datetime(2027, 1, 1), "2027-06", 3, "yes", 4000],
            [None, None, None, None, None, None, None, None, None],
            ["deu-2", "2221", 4, None, "2027-02", "2027-03", None, None, None],
        ],
        title="withdrawals",
    )
    result = import_postings(session=db, actor=DEU_FP, content=content, filename="w.xlsx")
    db.commit()
    assert (result.kind, result.sheet, result.ids) == (
        "withdrawals",
        "withdrawals",
        ["deu-1", "deu-2"],
    )
    w = db.get(Withdrawal, "deu-1")
    assert w is not None
    assert (w.cadre, w.count, w.start_from, w.requires_recognition, w.priority) == (
        "2221",
        10,
        "2027-01",
        True,
        3,
    )
    assert db.get(Withdrawal, "deu-2").priority == 1


def test_bad_xlsx_rows_are_numbered_as_in_the_spreadsheet(db: Session) -> None:
    content = xlsx(
        [
            ["cadre", "count", "start_from", "start_to", "priority", "country"],
            ["2221", 1.5, "2027-01", "2027-02", 9, None],
            ["2221", 3, "2027-01", "2027-02", 2, "GBR"],
            ["2221", 3, "2027-01", "2027-02", 2, "DEU"],
        ],
        title="withdrawals",
    )
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=DEU_FP, content=content)
    found = problems_of(error)
    assert "whole number" in found[("row", 2, "count")]
    assert "priority must be 1..5" in found[("row", 2, "priority")]
    assert "imported for DEU" in found[("row", 3, "country")]
    assert len(found) == 3
    db.rollback()
    assert db.exec(select(Withdrawal)).all() == []


def test_header_problems_duplicates_and_roles(db: Session) -> None:
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=NPL_FP, content=b"cadre,count,colour,available_from\n")
    found = problems_of(error)
    assert ("header", "colour") in found
    assert found[("header", "available_to")] == "required column is missing"
    dup = (
        b"id,cadre,count,available_from,available_to\n"
        b"x1,2221,1,2027-01,2027-02\n"
        b"x1,2221,1,2027-01,2027-02\n"
    )
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=NPL_FP, content=dup)
    assert "already exists" in problems_of(error)[("row", 3, "id")]
    with pytest.raises(Forbidden):
        import_postings(session=db, actor=PLANNER, content=dup)
    with pytest.raises(Forbidden):
        import_postings(session=db, actor=NPL_FP, content=dup, country="DEU")
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=ADMIN, content=dup)
    assert ("row", 2, "country") in problems_of(error)
    fixed = dup.replace(b"x1,", b"x2,", 1)
    result = import_postings(session=db, actor=ADMIN, content=fixed, country="npl")
    assert result.country == "NPL"
    assert result.imported == 2


@pytest.mark.parametrize("kind", ["deposits", "withdrawals"])
def test_templates_have_the_columns_and_import_once_filled(db: Session, kind: str) -> None:
    csv_template = template(kind, "csv").decode()
    header = csv_template.strip().split(",")
    assert header[:4] == ["id", "country", "cadre", "count"]
    workbook = load_workbook(io.BytesIO(template(kind, "xlsx")))
    assert workbook.sheetnames == [kind, "help"]
    assert [c.value for c in workbook[kind][1]] == header
    help_rows = list(workbook["help"].iter_rows(values_only=True))
    assert help_rows[0][:2] == ("column", "required")
    sheet = workbook[kind]
    if kind == "deposits":
        sheet.append(["t1", None, "2221", 3, "en:B2", "2027-01", "2027-12"])
        actor = NPL_FP
    else:
        sheet.append(["t1", None, "2221", 3, "de:B2", None, None, None, "2027-01", "2027-12"])
        actor = DEU_FP
    out = io.BytesIO()
    workbook.save(out)
    result = import_postings(session=db, actor=actor, content=out.getvalue())
    assert (result.kind, result.ids) == (kind, ["t1"])


def test_unreadable_and_empty_files(db: Session) -> None:
    for content, msg in (
        (b"", "empty"),
        (b"PK\x03\x04garbage", "XLSX"),
        (b"cadre,count,available_from,available_to\n", "no postings"),
    ):
        with pytest.raises(InvalidInput) as error:
            import_postings(session=db, actor=NPL_FP, content=content, kind="deposits")
        assert msg in error.value.problems[0].msg
    with pytest.raises(InvalidInput) as error:
        import_postings(session=db, actor=NPL_FP, content=b"cadre,count\n2221,1\n")
    assert error.value.problems[0].loc == ("kind",)
