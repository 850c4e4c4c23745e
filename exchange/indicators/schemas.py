"""Pydantic shapes of the monitoring indicators."""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel


class Indicator(SQLModel):
    """One indicator: what it measures, which row of the WHO guidance's Table 1 it serves, and
    its values (one row per disaggregation: route, agreement, origin, ...)."""

    id: str
    name: str
    definition: str
    who_table1: str
    unit: str
    rows: list[dict[str, Any]]


class Indicators(SQLModel):
    """The indicators for a period and filters."""

    period_from: str | None
    period_to: str
    filters: dict[str, str | None]
    indicators: list[Indicator]
