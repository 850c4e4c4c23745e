"""Hypothesis strategy for small random scenarios that exercise every rule and constraint.

They carry MATCHING.md section 7's history too: ``quota_used`` on agreements (sometimes above the
quota) and ``relocated_recently`` on workforce facts (sometimes above the depletion cap).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

COUNTRIES = ["AAA", "BBB", "CCC"]
CADRES = ["2221", "2240"]
LANGS = ["en", "de"]
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"]
MONTHS = ["2026-12", "2027-01", "2027-02", "2027-03"]


def _window(draw: st.DrawFn) -> tuple[str, str]:
    if draw(st.integers(0, 3)) > 0:
        return MONTHS[0], MONTHS[-1]
    a, b = sorted(draw(st.lists(st.sampled_from(MONTHS), min_size=2, max_size=2)))
    return a, b


def _langs(draw: st.DrawFn, *, required: bool = False) -> dict[str, str]:
    if required and draw(st.integers(0, 2)) > 0:
        return {}
    keys = draw(st.lists(st.sampled_from(LANGS), max_size=2, unique=True))
    return {k: draw(st.sampled_from(LEVELS)) for k in keys}


@st.composite
def scenarios(draw: st.DrawFn, max_postings: int = 3, max_count: int = 4) -> dict[str, Any]:
    countries = [
        {
            "code": c,
            "safeguard_listed": draw(st.sampled_from([False, False, False, True])),
            "licensing_languages": draw(st.sampled_from([{}, {}, {}, {"de": "A2"}])),
        }
        for c in COUNTRIES
    ]
    workforce = [
        {
            "country": c,
            "cadre": k,
            "stock": draw(st.none() | st.integers(0, 200)),
            "education_cost_usd": draw(st.none() | st.integers(0, 2000)),
            "positive_list": draw(st.booleans()),
            "relocated_recently": draw(st.sampled_from([None, 0, 1, 3, 12, 60])),
        }
        for c in COUNTRIES
        for k in CADRES
        if draw(st.booleans())
    ]
    agreements = []
    for i in range(draw(st.integers(0, 3))):
        o, t = draw(st.lists(st.sampled_from(COUNTRIES), min_size=2, max_size=2, unique=True))
        agreements.append(
            {
                "id": f"a{i}",
                "origin": o,
                "destination": t,
                "g2g": draw(st.booleans()),
                "cadres": draw(st.lists(st.sampled_from(CADRES), max_size=1)),
                "valid_from": draw(st.sampled_from(["2020-01", "2026-12"])),
                "valid_to": "2030-01",
                "quotas": draw(
                    st.dictionaries(st.sampled_from(CADRES), st.integers(0, 4), max_size=1)
                ),
                "benefit_usd_per_worker": draw(st.sampled_from([0, 300, 800])),
                "recognition": draw(st.booleans()),
                "quota_used": draw(
                    st.dictionaries(st.sampled_from(CADRES), st.integers(0, 6), max_size=2)
                ),
            }
        )
    deposits = []
    for i in range(draw(st.integers(1, max_postings))):
        a, b = _window(draw)
        deposits.append(
            {
                "id": f"d{i}",
                "country": draw(st.sampled_from(["AAA", "AAA", "CCC", "BBB"])),
                "cadre": draw(st.sampled_from(["2221", "2221", "2221", "2240"])),
                "count": draw(st.integers(1, max_count)),
                "languages": _langs(draw),
                "available_from": a,
                "available_to": b,
                "modalities": draw(
                    st.sampled_from(
                        [["relocation"], ["remote"], ["relocation", "remote"]]
                        + [["relocation", "remote"]] * 2
                    )
                ),
                "max_duration_months": draw(st.sampled_from([None, None, 12, 24])),
                "min_benefit_usd_per_worker": draw(st.sampled_from([0, 0, 0, 500])),
                "excluded_destinations": draw(st.sampled_from([[], [], [], ["BBB"]])),
                "preferred_destinations": draw(st.lists(st.sampled_from(COUNTRIES), max_size=1)),
            }
        )
    withdrawals = []
    for i in range(draw(st.integers(1, max_postings))):
        a, b = _window(draw)
        withdrawals.append(
            {
                "id": f"w{i}",
                "country": draw(st.sampled_from(["BBB", "BBB", "CCC", "AAA"])),
                "cadre": draw(st.sampled_from(["2221", "2221", "2221", "2240"])),
                "count": draw(st.integers(1, max_count)),
                "required_languages": _langs(draw, required=True),
                "language_training_months": draw(st.sampled_from([0, 6, 12])),
                "benefit_usd_per_worker": draw(st.sampled_from([0, 200, 600])),
                "priority": draw(st.integers(1, 5)),
                "start_from": a,
                "start_to": b,
                "modality": draw(st.sampled_from(["relocation", "relocation", "remote"])),
                "duration_months": draw(st.sampled_from([12, 24])),
                "requires_recognition": draw(st.sampled_from([False, False, False, True])),
                "preferred_origins": draw(st.lists(st.sampled_from(COUNTRIES), max_size=1)),
            }
        )
    policy = {
        "safeguard_mode": draw(st.sampled_from(["strict", "code", "off"])),
        "benefit_floor_ratio": draw(st.sampled_from([0, 0, 0.25, 0.35])),
        "max_depletion_share": draw(st.sampled_from([None, 0.05, 0.29])),
        "language_months_per_level": draw(st.sampled_from([3, 6])),
        "pair_minimum_benefit_usd": draw(st.sampled_from([0, 0, 700, 1500])),
    }
    return {
        "as_of": "2026-11",
        "policy": policy,
        "countries": countries,
        "workforce": workforce,
        "agreements": agreements,
        "deposits": deposits,
        "withdrawals": withdrawals,
    }
