"""Plain factory functions for tiny scenarios (dicts in the MATCHING.md format)."""

from __future__ import annotations

from typing import Any

from solver.schema import Scenario

COUNTRIES = ["AAA", "BBB", "CCC", "DDD"]


def scenario(
    deposits: list[dict[str, Any]],
    withdrawals: list[dict[str, Any]],
    *,
    policy: dict[str, Any] | None = None,
    agreements: list[dict[str, Any]] | None = None,
    workforce: list[dict[str, Any]] | None = None,
    countries: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "as_of": "2026-11",
        "policy": policy or {},
        "countries": countries or [{"code": c, "name": c} for c in COUNTRIES],
        "workforce": workforce or [],
        "agreements": agreements or [],
        "deposits": deposits,
        "withdrawals": withdrawals,
    }


def deposit(ident: str = "d1", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ident,
        "country": "AAA",
        "cadre": "2221",
        "count": 10,
        "available_from": "2027-01",
        "available_to": "2027-12",
    }
    base.update(kw)
    return base


def withdrawal(ident: str = "w1", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ident,
        "country": "BBB",
        "cadre": "2221",
        "count": 10,
        "start_from": "2027-01",
        "start_to": "2027-06",
    }
    base.update(kw)
    return base


def agreement(ident: str = "a1", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ident,
        "origin": "AAA",
        "destination": "BBB",
        "valid_from": "2020-01",
        "valid_to": "2030-12",
    }
    base.update(kw)
    return base


def parse(raw: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(raw)
