"""Reading one cell into a posting field (the syntax is in ``columns``); problems are collected."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from exchange.spreadsheets.columns import Column

_SPLIT = re.compile(r"[;,]")
_LANGUAGE_PAIR = re.compile(r"^\s*([A-Za-z]{2,3})\s*[:= ]\s*([A-Za-z][0-9])\s*$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")
_TRUE = {"yes", "y", "true", "1", "x", "oui", "si", "ja"}
_FALSE = {"no", "n", "false", "0", "non", "nein"}


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message says why."""


def is_blank(value: Any) -> bool:
    """Whether a cell is empty (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(f"a whole number is expected, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"a whole number is expected, got {value:g}")
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text)) if "." in text else int(text)
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
        return int(text.replace(",", ""))
    raise CellError(f"a whole number is expected, got {str(value).strip()!r}")


def _month(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    text = _text(value)
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CellError(f"a month YYYY-MM is expected, got {text!r}")
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"yes or no is expected, got {text!r}")


def parse_list(value: Any) -> list[str]:
    """``"relocation;remote"`` -> ``["relocation", "remote"]`` (``,`` also separates)."""
    return [part.strip() for part in _SPLIT.split(_text(value)) if part.strip()]


def parse_languages(value: Any) -> dict[str, str]:
    """``"en:B2;de:B1"`` -> ``{"en": "B2", "de": "B1"}`` (codes lower-cased, levels upper)."""
    out: dict[str, str] = {}
    for part in parse_list(value):
        match = _LANGUAGE_PAIR.fullmatch(part)
        if not match:
            raise CellError(
                f"{part!r} is not a language and level such as en:B2 (pairs separated by ';')"
            )
        lang, level = match.group(1).lower(), match.group(2).upper()
        if lang in out:
            raise CellError(f"language {lang!r} is given twice")
        out[lang] = level
    return out


def read_cell(column: Column, value: Any) -> Any:
    """The field value of a non-blank cell; ``CellError`` when it cannot be read."""
    if column.type == "int":
        return _int(value)
    if column.type == "month":
        return _month(value)
    if column.type == "bool":
        return _bool(value)
    if column.type == "list":
        items = parse_list(value)
        return (
            [item.lower() for item in items]
            if column.name == "modalities"
            else [item.upper() for item in items]
        )
    if column.type == "languages":
        return parse_languages(value)
    if column.type == "code":
        text = _text(value)
        if column.name == "country":
            return text.upper()
        return text.lower() if column.name == "modality" else text
    return _text(value)


read_int = _int
"""A whole number from a cell (``CellError`` naming the cell's text otherwise)."""
read_month = _month
"""A ``YYYY-MM`` month from a cell (a date cell gives its month)."""
