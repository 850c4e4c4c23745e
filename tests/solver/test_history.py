"""MATCHING.md section 7: earlier rounds' usage of quotas and caps, and the legal basis."""

from __future__ import annotations

from typing import Any

from solver import check_solution, solve, validate
from solver.schema import Match, Result
from tests.solver.factories import agreement, deposit, parse, scenario, withdrawal


def run(raw: dict[str, Any]) -> Result:
    result = solve(raw)
    assert result.status == "OPTIMAL"
    assert check_solution(parse(raw), result) == []
    return result


def reasons(result: Result) -> dict[str, str]:
    assert result.unmatched is not None
    return {r.code: r.detail for u in result.unmatched.withdrawals for r in u.reasons}


def test_quota_used_leaves_the_rest_of_the_quota() -> None:
    a = agreement("a-aaa-bbb", quotas={"2221": 10}, quota_used={"2221": 7})
    r = run(scenario([deposit(count=10)], [withdrawal(count=10)], agreements=[a]))
    assert r.objective is not None
    assert r.objective.priority_fill == 3
    detail = reasons(r)["AGREEMENT_QUOTA"]
    assert "quota 10 of agreement a-aaa-bbb" in detail
    assert "7 already placed in earlier rounds" in detail


def test_quota_used_above_the_quota_leaves_nothing() -> None:
    a = agreement("a1", quotas={"2221": 5}, quota_used={"2221": 9})
    r = run(scenario([deposit()], [withdrawal()], agreements=[a]))
    assert r.matches == []
    assert "9 already placed in earlier rounds, none left" in reasons(r)["AGREEMENT_QUOTA"]


def test_quota_used_of_another_cadre_or_without_quota_does_not_bind() -> None:
    a = agreement("a1", quotas={"2221": 5, "2240": 5}, quota_used={"2240": 5, "2211": 9})
    r = run(scenario([deposit()], [withdrawal()], agreements=[a]))
    assert r.objective is not None
    assert r.objective.priority_fill == 5


def test_quota_used_does_not_bind_remote_work() -> None:
    a = agreement("a1", quotas={"2221": 5}, quota_used={"2221": 5})
    raw = scenario(
        [deposit(modalities=["remote"])], [withdrawal(modality="remote")], agreements=[a]
    )
    assert run(raw).objective.priority_fill == 10  # type: ignore[union-attr]


def test_tightest_net_quota_of_several_agreements_binds() -> None:
    a1 = agreement("a1", quotas={"2221": 8}, quota_used={"2221": 2})  # 6 left
    a2 = agreement("a2", quotas={"2221": 5})  # 5 left
    a3 = agreement("a3", quotas={"2221": 9}, quota_used={"2221": 5})  # 4 left
    r = run(scenario([deposit()], [withdrawal()], agreements=[a1, a2, a3]))
    assert r.objective is not None
    assert r.objective.priority_fill == 4
    assert "agreement a3" in reasons(r)["AGREEMENT_QUOTA"]


def test_relocated_recently_reduces_the_depletion_cap() -> None:
    wf = [{"country": "AAA", "cadre": "2221", "stock": 100, "relocated_recently": 6}]
    raw = scenario(
        [deposit(count=20)],
        [withdrawal(count=20)],
        workforce=wf,
        policy={"max_depletion_share": 0.1},
    )
    r = run(raw)
    assert r.objective is not None
    assert r.objective.priority_fill == 4
    detail = reasons(r)["DEPLETION_CAP"]
    assert "depletion cap 10 of AAA" in detail
    assert "6 relocated in the last 12 months" in detail


def test_relocated_recently_above_the_cap_leaves_no_headroom() -> None:
    wf = [{"country": "AAA", "cadre": "2221", "stock": 100, "relocated_recently": 50}]
    raw = scenario(
        [deposit(count=20, modalities=["relocation", "remote"])],
        [withdrawal(count=5), withdrawal("w2", count=5, modality="remote")],
        workforce=wf,
        policy={"max_depletion_share": 0.1},
    )
    r = run(raw)
    assert {m.withdrawal_id: m.count for m in r.matches or []} == {"w2": 5}
    assert "none left for this round" in reasons(r)["DEPLETION_CAP"]


def test_relocated_recently_without_cap_does_not_bind() -> None:
    wf = [{"country": "AAA", "cadre": "2221", "stock": 100, "relocated_recently": 500}]
    r = run(scenario([deposit()], [withdrawal()], workforce=wf))
    assert r.objective is not None
    assert r.objective.priority_fill == 10


def test_checker_counts_usage() -> None:
    a = agreement("a1", quotas={"2221": 10}, quota_used={"2221": 7})
    raw = scenario([deposit()], [withdrawal()], agreements=[a])
    over = Result(
        status="FEASIBLE",
        matches=[
            Match(
                deposit_id="d1",
                withdrawal_id="w1",
                count=4,
                benefit_usd_per_worker=0,
                language_training_months=0,
                agreement_id="a1",
            )
        ],
    )
    problems = check_solution(parse(raw), over)
    assert any(p.startswith("C2: agreement a1") for p in problems)


def listed_countries() -> list[dict[str, Any]]:
    return [
        {"code": "AAA", "safeguard_listed": True},
        {"code": "BBB"},
        {"code": "CCC"},
    ]


def test_basis_names_the_g2g_agreement_when_another_pays_more() -> None:
    g2g = agreement("a-g2g", g2g=True, benefit_usd_per_worker=100)
    g2g_more = agreement("b-g2g", g2g=True, benefit_usd_per_worker=300)
    rich = agreement("c-rich", benefit_usd_per_worker=900, recognition=True)
    raw = scenario(
        [deposit()],
        [withdrawal(requires_recognition=True)],
        agreements=[g2g, g2g_more, rich],
        countries=listed_countries(),
        workforce=[{"country": "AAA", "cadre": "2221", "positive_list": True}],
    )
    r = run(raw)
    (m,) = r.matches or []
    assert m.agreement_id == "c-rich"
    assert m.basis is not None
    assert m.basis.model_dump(mode="json") == {
        "origin_listed": True,
        "g2g_agreement_id": "b-g2g",
        "positive_listed": True,
        "recognition_agreement_id": "c-rich",
    }
    dumped = r.model_dump(mode="json", exclude_none=True)["matches"][0]["basis"]
    assert dumped["g2g_agreement_id"] == "b-g2g"


def test_basis_ties_by_smallest_id_and_nulls_what_did_not_apply() -> None:
    raw = scenario(
        [deposit(), deposit("d2", country="CCC")],
        [withdrawal(count=20)],
        agreements=[agreement("z", g2g=True), agreement("y", g2g=True)],
        countries=listed_countries(),
        policy={"safeguard_mode": "code"},
    )
    r = run(raw)
    basis = {m.deposit_id: m.basis for m in r.matches or []}
    assert basis["d1"] is not None
    assert basis["d2"] is not None
    assert basis["d1"].model_dump() == {
        "origin_listed": True,
        "g2g_agreement_id": "y",
        "positive_listed": None,
        "recognition_agreement_id": None,
    }
    assert basis["d2"].model_dump() == {
        "origin_listed": False,
        "g2g_agreement_id": None,
        "positive_listed": None,
        "recognition_agreement_id": None,
    }
    # nulls are kept in the JSON a round stores
    stored = r.model_dump(mode="json", exclude_none=True)["matches"][1]["basis"]
    assert stored == {
        "origin_listed": False,
        "g2g_agreement_id": None,
        "positive_listed": None,
        "recognition_agreement_id": None,
    }


def test_basis_of_remote_work_from_a_listed_origin() -> None:
    raw = scenario(
        [deposit(modalities=["remote"])],
        [withdrawal(modality="remote", requires_recognition=True)],
        countries=listed_countries(),
    )
    (m,) = run(raw).matches or []
    assert m.basis is not None
    assert m.basis.model_dump() == {
        "origin_listed": True,
        "g2g_agreement_id": None,
        "positive_listed": None,
        "recognition_agreement_id": None,
    }


def test_checker_refuses_a_wrong_basis() -> None:
    raw = scenario([deposit()], [withdrawal()], agreements=[agreement(g2g=True)])
    r = run(raw)
    (m,) = r.matches or []
    assert m.basis is not None
    wrong = m.model_copy(update={"basis": m.basis.model_copy(update={"origin_listed": True})})
    bad = r.model_copy(update={"matches": [wrong]})
    assert any("basis" in p for p in check_solution(parse(raw), bad))


def test_bad_usage_values_are_all_reported() -> None:
    raw = scenario(
        [deposit()],
        [withdrawal()],
        agreements=[agreement(quotas={"2221": 5}, quota_used={"2221": -1, "22x1": 2, "2240": 1.5})],
        workforce=[
            {"country": "AAA", "cadre": "2221", "relocated_recently": -3},
            {"country": "BBB", "cadre": "2221", "relocated_recently": "many"},
        ],
    )
    out = validate(raw)
    assert isinstance(out, list)
    paths = {p.path for p in out}
    assert "agreements[0].quota_used.2221" in paths
    assert any(p.startswith("agreements[0].quota_used.22x1") for p in paths)
    assert "agreements[0].quota_used.2240" in paths
    assert "workforce[0].relocated_recently" in paths
    assert "workforce[1].relocated_recently" in paths
    result = solve(raw)
    assert result.status == "INVALID"
    assert result.matches is None
