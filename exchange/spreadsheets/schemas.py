"""Pydantic shapes of spreadsheet imports."""

from __future__ import annotations

from sqlmodel import SQLModel


class ImportResult(SQLModel):
    """What an import created: the postings' ids, in the sheet's row order."""

    kind: str
    country: str | None
    sheet: str | None
    imported: int
    workers: int
    ids: list[str]
