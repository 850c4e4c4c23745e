"""Rules E1-E11 one by one on tiny scenarios, and the exact arithmetic they rely on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from solver import compiled_rules as compiled
from solver import eligibility as el
from solver.arithmetic import benefit_floor, depletion_cap
from tests.solver.factories import agreement, deposit, parse, scenario, withdrawal


def first(d: dict[str, Any], w: dict[str, Any], **kw: Any) -> str | None:
    s = parse(scenario([d], [w], **kw))
    return el.first_failure(el.Context.of(s), s.deposits[0], s.withdrawals[0])


def test_baseline_pair_is_eligible() -> None:
    assert first(deposit(), withdrawal()) is None


def test_e1_cadre() -> None:
    assert first(deposit(cadre="2211"), withdrawal()) == "CADRE"


def test_e2_same_country() -> None:
    assert first(deposit(country="BBB"), withdrawal()) == "SAME_COUNTRY"


def test_e3_modality() -> None:
    assert first(deposit(), withdrawal(modality="remote")) == "MODALITY"
    assert first(deposit(modalities=["remote"]), withdrawal(modality="remote")) is None
    assert first(deposit(modalities=["remote"]), withdrawal()) == "MODALITY"


@pytest.mark.parametrize(
    ("avail", "start", "code"),
    [
        (("2027-07", "2027-12"), ("2027-01", "2027-06"), "WINDOW"),
        (("2027-06", "2027-12"), ("2027-01", "2027-06"), None),  # inclusive
        (("2026-01", "2026-12"), ("2027-01", "2027-06"), "WINDOW"),
        (("2026-01", "2027-01"), ("2027-01", "2027-06"), None),
    ],
)
def test_e4_window(avail: tuple[str, str], start: tuple[str, str], code: str | None) -> None:
    d = deposit(available_from=avail[0], available_to=avail[1])
    w = withdrawal(start_from=start[0], start_to=start[1])
    assert first(d, w) == code


def test_e5_duration() -> None:
    assert first(deposit(max_duration_months=11), withdrawal()) == "DURATION"
    assert first(deposit(max_duration_months=12), withdrawal()) is None
    assert first(deposit(max_duration_months=None), withdrawal(duration_months=120)) is None


def test_e6_excluded() -> None:
    assert first(deposit(excluded_destinations=["BBB"]), withdrawal()) == "EXCLUDED"


LISTED = [
    {"code": "AAA", "safeguard_listed": True},
    {"code": "BBB"},
    {"code": "CCC"},
]


def test_e7_safeguard_no_g2g() -> None:
    assert first(deposit(), withdrawal(), countries=LISTED) == "SAFEGUARD_NO_G2G"
    # remote work is not recruitment
    d = deposit(modalities=["remote"])
    assert first(d, withdrawal(modality="remote"), countries=LISTED) is None
    g2g = [agreement(g2g=True)]
    pos = [{"country": "AAA", "cadre": "2221", "positive_list": True}]
    assert first(deposit(), withdrawal(), countries=LISTED, agreements=g2g, workforce=pos) is None
    # an expired agreement does not count
    old = [agreement(g2g=True, valid_to="2026-10")]
    assert first(deposit(), withdrawal(), countries=LISTED, agreements=old) == "SAFEGUARD_NO_G2G"
    # an agreement for another cadre does not count
    other = [agreement(g2g=True, cadres=["2211"])]
    assert first(deposit(), withdrawal(), countries=LISTED, agreements=other) == "SAFEGUARD_NO_G2G"
    # mode "off" skips it
    off = {"safeguard_mode": "off"}
    assert first(deposit(), withdrawal(), countries=LISTED, policy=off) is None


def test_e8_safeguard_not_positive_listed() -> None:
    g2g = [agreement(g2g=True)]
    assert (
        first(deposit(), withdrawal(), countries=LISTED, agreements=g2g)
        == "SAFEGUARD_NOT_POSITIVE_LISTED"
    )
    code = {"safeguard_mode": "code"}
    assert first(deposit(), withdrawal(), countries=LISTED, agreements=g2g, policy=code) is None


def test_e9_recognition_missing() -> None:
    w = withdrawal(requires_recognition=True)
    assert first(deposit(), w) == "RECOGNITION_MISSING"
    assert first(deposit(), w, agreements=[agreement(recognition=True)]) is None
    d = deposit(modalities=["remote"])
    assert first(d, withdrawal(modality="remote", requires_recognition=True)) is None


def test_e10_language_gap_merges_licensing_languages() -> None:
    countries = [{"code": "AAA"}, {"code": "BBB", "licensing_languages": {"de": "B2"}}]
    d = deposit(languages={"de": "A2", "en": "C1"})
    w = withdrawal(required_languages={"en": "B2"}, language_training_months=11)
    assert first(d, w, countries=countries) == "LANGUAGE_GAP"  # 2 levels x 6 = 12 > 11
    w12 = withdrawal(required_languages={"en": "B2"}, language_training_months=12)
    assert first(d, w12, countries=countries) is None
    # licensing languages apply to relocation only
    d_remote = deposit(languages={"en": "C1"}, modalities=["remote"])
    w_remote = withdrawal(modality="remote", required_languages={"en": "B2"})
    assert first(d_remote, w_remote, countries=countries) is None
    # the higher level wins in the merge
    w_c1 = withdrawal(required_languages={"de": "C1"}, language_training_months=12)
    assert first(d, w_c1, countries=countries) == "LANGUAGE_GAP"  # 3 levels
    # an unlisted language has rank 0
    w_ja = withdrawal(required_languages={"ja": "A1"}, language_training_months=5)
    assert first(deposit(), w_ja, policy={"language_months_per_level": 6}) == "LANGUAGE_GAP"


def test_e11_benefit_below_minimum_uses_exact_floor() -> None:
    wf = [{"country": "AAA", "cadre": "2221", "education_cost_usd": 1290}]
    policy = {"benefit_floor_ratio": 0.35}  # 451.5 -> 452
    assert first(deposit(), withdrawal(benefit_usd_per_worker=451), workforce=wf, policy=policy)
    assert (
        first(deposit(), withdrawal(benefit_usd_per_worker=452), workforce=wf, policy=policy)
        is None
    )
    assert first(deposit(min_benefit_usd_per_worker=100), withdrawal()) == "BENEFIT_BELOW_MINIMUM"
    # the agreement of the pair adds its benefit: highest benefit, ties by smallest id
    ags = [agreement("b", benefit_usd_per_worker=100), agreement("a", benefit_usd_per_worker=100)]
    s = parse(scenario([deposit(min_benefit_usd_per_worker=100)], [withdrawal()], agreements=ags))
    ctx = el.Context.of(s)
    assert el.first_failure(ctx, s.deposits[0], s.withdrawals[0]) is None
    best = ctx.agreement_of_pair("AAA", "BBB", "2221")
    assert best is not None
    assert best.id == "a"


def test_first_failure_follows_spec_order() -> None:
    d = deposit(country="BBB", modalities=["remote"])
    assert first(d, withdrawal()) == "SAME_COUNTRY"


def test_exact_arithmetic() -> None:
    assert benefit_floor(Decimal("0.35"), 1290) == 452
    assert benefit_floor(0.35, 1290) == 452
    assert benefit_floor(Decimal("0.5"), None) == 0
    assert depletion_cap(Decimal("0.05"), 9000) == 450
    assert depletion_cap(0.07, 100) == 7  # 0.07 * 100 = 7.000000000000001 in floats
    assert depletion_cap(None, 100) is None


def test_the_compiled_rules_number_the_codes_as_the_spec_orders_them() -> None:
    numbered = {
        "CADRE": compiled.CADRE,
        "SAME_COUNTRY": compiled.SAME_COUNTRY,
        "MODALITY": compiled.MODALITY,
        "WINDOW": compiled.WINDOW,
        "DURATION": compiled.DURATION,
        "EXCLUDED": compiled.EXCLUDED,
        "SAFEGUARD_NO_G2G": compiled.NO_G2G,
        "SAFEGUARD_NOT_POSITIVE_LISTED": compiled.NOT_POSITIVE,
        "RECOGNITION_MISSING": compiled.RECOGNITION,
        "LANGUAGE_GAP": compiled.LANGUAGE,
        "BENEFIT_BELOW_MINIMUM": compiled.BENEFIT,
        "DECLINED": compiled.DECLINED,
    }
    assert numbered == el.CODE_INDEX
    assert compiled.NCODES == len(el.CODE_INDEX) + 1
