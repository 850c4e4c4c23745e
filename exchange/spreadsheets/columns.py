"""The columns of the deposit and withdrawal spreadsheets, and the syntax of their cells.

One row is one posting; one column is one MATCHING.md field. Cells that hold several values use
one documented syntax (``LIST_SYNTAX``, ``LANGUAGES_SYNTAX``) so that a focal point can fill a
sheet by hand. An empty cell means "absent": the field's default applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PostingKind = Literal["deposits", "withdrawals"]
POSTING_KINDS: tuple[PostingKind, ...] = ("deposits", "withdrawals")

CellType = Literal["text", "code", "int", "month", "bool", "languages", "list"]

LIST_SYNTAX = "values separated by ';' (a ',' also works), e.g. relocation;remote"
LANGUAGES_SYNTAX = (
    "ISO 639-1 code ':' CEFR level, pairs separated by ';', e.g. en:B2;de:B1"
    " (a space or '=' may replace ':')"
)
MONTH_SYNTAX = "YYYY-MM, e.g. 2027-01 (a date cell is read as its month)"
BOOL_SYNTAX = "yes/no, true/false, 1/0 or x (empty = no)"


@dataclass(frozen=True)
class Column:
    """One column of a posting sheet: its header, how its cells are read, and help for people."""

    name: str
    type: CellType
    required: bool
    help: str
    example: str

    @property
    def syntax(self) -> str:
        """How a cell of this column is written."""
        return {
            "text": "free text",
            "code": "a code",
            "int": "a whole number",
            "month": MONTH_SYNTAX,
            "bool": BOOL_SYNTAX,
            "languages": LANGUAGES_SYNTAX,
            "list": LIST_SYNTAX,
        }[self.type]


_ID = Column(
    "id",
    "code",
    False,
    "Your reference for the posting (letters, digits, . _ -); generated when empty",
    "npl-nurses-2027",
)
_COUNTRY = Column(
    "country",
    "code",
    False,
    "ISO 3166-1 alpha-3 code; empty = the country the sheet is imported for (must match it)",
    "NPL",
)
_CADRE = Column("cadre", "code", True, "ISCO-08 unit group code, e.g. 2221 (nurses)", "2221")
_NOTES = Column("notes", "text", False, "Free text for your own use", "")

DEPOSIT_COLUMNS: tuple[Column, ...] = (
    _ID,
    _COUNTRY,
    _CADRE,
    Column("count", "int", True, "Workers offered (at least 1)", "120"),
    Column("languages", "languages", False, "Languages the workers speak", "en:B2;ne:C2"),
    Column("available_from", "month", True, "First month the workers are available", "2026-12"),
    Column("available_to", "month", True, "Last month the workers are available", "2027-12"),
    Column(
        "modalities", "list", False, "relocation and/or remote; empty = relocation", "relocation"
    ),
    Column("max_duration_months", "int", False, "Longest assignment accepted; empty = any", "36"),
    Column(
        "min_benefit_usd_per_worker",
        "int",
        False,
        "Smallest benefit (whole USD per worker) accepted; empty = 0",
        "3000",
    ),
    Column(
        "excluded_destinations",
        "list",
        False,
        "ISO3 codes never to send these workers to",
        "",
    ),
    Column(
        "preferred_destinations", "list", False, "ISO3 codes preferred, in any order", "GBR;DEU"
    ),
    _NOTES,
)

WITHDRAWAL_COLUMNS: tuple[Column, ...] = (
    _ID,
    _COUNTRY,
    _CADRE,
    Column("count", "int", True, "Positions to fill (at least 1)", "50"),
    Column("required_languages", "languages", False, "Languages the positions require", "en:B2"),
    Column(
        "language_training_months",
        "int",
        False,
        "Months of language training you will pay for; empty = 0",
        "6",
    ),
    Column(
        "benefit_usd_per_worker",
        "int",
        False,
        "Benefit paid to the origin per worker (whole USD); empty = 0",
        "4000",
    ),
    Column("priority", "int", False, "1 (low) to 5 (urgent); empty = 1", "3"),
    Column("start_from", "month", True, "Earliest start month", "2027-01"),
    Column("start_to", "month", True, "Latest start month", "2027-06"),
    Column("modality", "code", False, "relocation or remote; empty = relocation", "relocation"),
    Column("duration_months", "int", False, "Length of the assignment; empty = 12", "24"),
    Column(
        "requires_recognition",
        "bool",
        False,
        "Whether a recognition agreement is needed; empty = no",
        "no",
    ),
    Column("preferred_origins", "list", False, "ISO3 codes preferred, in any order", "PHL"),
    _NOTES,
)

COLUMNS: dict[PostingKind, tuple[Column, ...]] = {
    "deposits": DEPOSIT_COLUMNS,
    "withdrawals": WITHDRAWAL_COLUMNS,
}


def columns_of(kind: PostingKind) -> tuple[Column, ...]:
    """The columns of a deposits or withdrawals sheet, in template order."""
    return COLUMNS[kind]
