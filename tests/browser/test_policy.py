"""Policy integrity on the dashboard (issue 19), in headless Chromium against the real server: a
planner starts a what-if from a solved round, watches it, sees the comparison with a known delta
and downloads its CSV; a what-if round's page shows it books nothing; each proposal's legal basis
in words; a decline with a reason and a note; the proposals of a round by status; countries at
two months; the round form's ``as_of`` and ``answer_by``."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.browser.conftest import (
    Server,
    axe_problems,
    open_view,
    screenshot,
    sign_in,
    wait_loaded,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def field(page: Any, form: str, name: str) -> Any:
    return page.locator(f'{form} [data-field="{name}"]').locator("input, select, textarea")


def what_if_of(server: Server, base: int, mode: str) -> dict[str, Any] | None:
    """An existing what-if of round ``base`` with ``safeguard_mode`` set to ``mode``."""
    rounds = server.get("planner", "/v1/rounds?limit=500")["data"]
    for r in rounds:
        if r["base_round_id"] == base and r["policy"].get("safeguard_mode") == mode:
            return dict(r)
    return None


def test_planner_starts_a_what_if_sees_the_comparison_and_downloads_its_csv(
    page: Any, server: Server
) -> None:
    base = server.round_id
    sign_in(page, server, "planner")
    open_view(page, server, f"/rounds/{base}")
    page.get_by_role("link", name="What-if…").click()
    page.wait_for_url(re.compile(rf"#/compare/{base}$"))
    wait_loaded(page, "compare")
    form = "#whatif-form"
    assert field(page, form, "safeguard_mode").input_value() == "strict"  # the round's policy
    assert "books nothing" in page.locator('[data-view="compare"]').inner_text()
    # Nothing changed: nothing is started.
    page.get_by_role("button", name="Start what-if").click()
    assert "Change at least one field" in page.locator("#whatif-problems").inner_text()
    assert what_if_of(server, base, "off") is None
    assert axe_problems(page) == []
    screenshot(page, "policy-whatif-form")

    field(page, form, "safeguard_mode").select_option("off")
    page.get_by_role("button", name="Start what-if").click()
    page.wait_for_url(re.compile(rf"#/compare/{base}/\d+$"))
    other = int(page.url.rsplit("/", 1)[1])
    page.locator("#comparison:not([hidden])").wait_for()
    whatif = server.get("planner", f"/v1/rounds/{other}")
    assert (whatif["kind"], whatif["base_round_id"]) == ("what_if", base)
    assert whatif["policy"] == {"safeguard_mode": "off"}  # only the field changed is sent
    comparison = server.get("planner", f"/v1/rounds/{base}/compare?with={other}")

    # The demo's known deltas: without safeguards, NPL's 20 midwives and 60 paramedics (cadres
    # not on NPL's positive list) go to GBR, 100 -> 180 positions filled there, +240 priority.
    tiers = page.locator("#cmp-tiers")
    assert tiers.locator('[data-tier="priority_fill"] [data-testid=delta]').inner_text() == "+240"
    gbr = page.locator('#cmp-destinations tr[data-destination="GBR"]')
    assert gbr.get_by_test_id("delta").inner_text() == "+80"
    assert gbr.get_by_test_id("filled-a").inner_text() == "100"
    assert gbr.get_by_test_id("filled-b").inner_text() == "180"
    expected = next(d for d in comparison["destinations"] if d["destination"] == "GBR")
    assert (expected["filled_a"], expected["filled_b"]) == (100, 180)
    route = page.locator('#cmp-routes tr[data-route="NPL-GBR-2222"]')
    assert route.get_by_test_id("delta").inner_text() == "+20"
    route = page.locator('#cmp-routes tr[data-route="PHL-ARE-2221"]')
    assert route.get_by_test_id("delta").inner_text() == "−10"
    midwives = page.locator('#cmp-postings tr[data-posting="dep-npl-midwives-2027"]')
    assert "SAFEGUARD_NOT_POSITIVE_LISTED" in midwives.inner_text()
    assert "not on its positive list" in midwives.inner_text()
    assert page.locator("#cmp-postings tbody tr").count() == len(comparison["postings"])
    assert "Safeguards: strict → off" in page.get_by_test_id("policy-changes").inner_text()
    assert axe_problems(page) == []
    screenshot(page, "policy-comparison")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"hrhx-round-{base}-compare-{other}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    priority = next(r for r in rows if r["section"] == "tier" and r["key"] == "priority_fill")
    assert priority["delta"] == "240"


def test_a_what_if_round_shows_it_books_nothing(page: Any, server: Server) -> None:
    base = server.round_id
    whatif = what_if_of(server, base, "code")
    if whatif is None:
        whatif = server.call(
            "planner", "POST", f"/v1/rounds/{base}/what-if", {"policy": {"safeguard_mode": "code"}}
        )
    sign_in(page, server, "admin")
    open_view(page, server, f"/rounds/{whatif['id']}")
    page.locator("#progress-panel[data-state=proposed]").wait_for()
    note = page.locator("#round-work-note").inner_text()
    assert f"A what-if of round {base}" in note
    assert "books nothing" in note
    assert f"what-if of round {base}" in page.locator("#round-meta").inner_text()
    assert page.locator("#close-round").is_hidden()
    # An admin answers proposals of live rounds; here no row has Accept or Decline.
    page.locator("#proposals-table tbody tr[data-proposal]").first.wait_for()
    assert page.locator("#proposals-table button").count() == 0
    link = page.get_by_role("link", name=f"Compare with round {base}")
    assert link.get_attribute("href") == f"#/compare/{base}/{whatif['id']}"
    assert axe_problems(page) == []
    screenshot(page, "policy-whatif-round", full_page=False)


def test_each_proposal_states_its_legal_basis_in_words(page: Any, server: Server) -> None:
    proposals = server.get("planner", f"/v1/rounds/{server.round_id}/proposals")["data"]
    g2g = next(p for p in proposals if (p["basis"] or {}).get("g2g_agreement_id"))
    recognised = next(p for p in proposals if (p["basis"] or {}).get("recognition_agreement_id"))
    sign_in(page, server, "viewer")
    open_view(page, server, f"/rounds/{server.round_id}")
    row = page.locator(f'#proposals-table tr[data-proposal="{g2g["id"]}"]')
    words = row.get_by_test_id("basis")
    assert words.inner_text() == (
        "origin on the WHO safeguards list; "
        f"opened by G2G agreement {g2g['basis']['g2g_agreement_id']}; "
        "cadre on the origin's positive list"
    )
    other = page.locator(f'#proposals-table tr[data-proposal="{recognised["id"]}"]')
    assert other.get_by_test_id("basis").inner_text() == (
        "origin not on the WHO safeguards list; qualification recognised under agreement "
        f"{recognised['basis']['recognition_agreement_id']}"
    )
    page.locator("#proposals-panel").scroll_into_view_if_needed()
    screenshot(page, "policy-proposals-basis", full_page=False)


def decline_in_page(page: Any, proposal_id: int, reason: str | None, note: str) -> Any:
    """Decline a proposal through its row's dialog; the row's decline words once drawn."""
    row = page.locator(f'#proposals-table tr[data-proposal="{proposal_id}"]')
    row.get_by_role("button", name=f"Decline proposal {proposal_id}").click()
    dialog = page.locator("#decline-dialog")
    if reason:
        dialog.get_by_label("Reason").select_option(reason)
    dialog.get_by_label("Note (optional)").fill(note)
    dialog.get_by_role("button", name="Decline proposal").click()
    return row.get_by_test_id("decline-why")


def test_a_focal_point_declines_with_a_note(page: Any, server: Server) -> None:
    mine = server.get("deu", f"/v1/rounds/{server.round_id}/proposals")["data"]
    pending = [p for p in mine if p["status"] == "pending"]
    assert pending, mine
    proposal = pending[-1]
    sign_in(page, server, "deu")
    open_view(page, server, f"/rounds/{server.round_id}")
    row = page.locator(f'#proposals-table tr[data-proposal="{proposal["id"]}"]')
    # The dialog offers the API's reasons; cancelling declines nothing.
    row.get_by_role("button", name=f"Decline proposal {proposal['id']}").click()
    dialog = page.locator("#decline-dialog")
    reasons = dialog.get_by_label("Reason").locator("option")
    reasons.first.wait_for(state="attached")
    values = [reasons.nth(i).get_attribute("value") for i in range(reasons.count())]
    assert values == ["", "conditions", "timing", "language", "benefit", "capacity", "other"]
    dialog.get_by_label("Reason").select_option("timing")
    dialog.get_by_label("Note (optional)").fill("Start in 2028 instead")
    assert axe_problems(page) == []
    screenshot(page, "policy-decline-dialog", full_page=False)
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert server.get("deu", f"/v1/proposals/{proposal['id']}")["status"] == "pending"

    why = decline_in_page(page, proposal["id"], None, "Start in 2028 instead")
    why.wait_for()
    assert why.inner_text() == "Start in 2028 instead"
    after = server.get("deu", f"/v1/proposals/{proposal['id']}")
    assert (after["status"], after["decline_note"]) == ("declined", "Start in 2028 instead")
    # The round counts its proposals by status, declined included.
    counts = server.get("deu", f"/v1/rounds/{server.round_id}")["proposals"]
    assert counts["declined"] >= 1
    text = page.get_by_test_id("round-proposals").inner_text()
    assert f"{counts['declined']} declined" in text
    assert f"{counts['pending']} pending" in text
    page.locator("#round-work").scroll_into_view_if_needed()
    screenshot(page, "policy-declined", full_page=False)


def test_a_decline_with_a_reason(page: Any, server: Server) -> None:
    proposals = server.get("admin", f"/v1/rounds/{server.round_id}/proposals")["data"]
    # A route no other browser test answers (neither PHL nor DEU).
    proposal = next(
        p
        for p in proposals
        if p["status"] == "pending" and {p["origin"], p["destination"]} == {"JOR", "SAU"}
    )
    sign_in(page, server, "admin")
    open_view(page, server, f"/rounds/{server.round_id}")
    why = decline_in_page(page, proposal["id"], "timing", "Start in 2028 instead")
    why.wait_for(timeout=5_000)
    assert why.inner_text() == "Timing: Start in 2028 instead"
    after = server.get("admin", f"/v1/proposals/{proposal['id']}")
    assert (after["status"], after["decline_reason"]) == ("declined", "timing")


def test_countries_at_two_months(page: Any, server: Server) -> None:
    sign_in(page, server, "viewer")
    open_view(page, server, "/countries/2024-06")
    assert page.locator("#countries-month").input_value() == "2024-06"
    summary = page.get_by_test_id("countries-summary").inner_text()
    listed = server.get("viewer", "/v1/countries?as_of=2024-06")["data"]
    count = sum(1 for c in listed if c["safeguard_listed"])
    assert summary.startswith("As of 2024-06: the 2023 edition of the safeguards list is in force")
    assert f"listing {count} of" in summary
    npl = page.locator('#countries-table tr[data-country="NPL"]')
    assert npl.get_by_test_id("listed").inner_text() == "listed"
    assert npl.get_by_test_id("edition").inner_text() == "2023"
    assert page.locator("#countries-table tbody tr[data-country]").count() == count
    assert axe_problems(page) == []
    screenshot(page, "policy-countries-2024-06")

    # Before the earliest recorded edition: the API's message, no list.
    page.locator("#countries-month").fill("2022-06")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"#/countries/2022-06$"))
    problem = page.get_by_test_id("countries-problem")
    problem.wait_for()
    assert problem.inner_text().startswith(
        "2022-06 is before the earliest recorded edition of the WHO safeguards list"
    )
    assert page.locator("#countries-table tbody tr[data-country]").count() == 0
    assert axe_problems(page) == []
    screenshot(page, "policy-countries-2022-06")


def test_the_country_filter_narrows_the_countries_view(page: Any, server: Server) -> None:
    sign_in(page, server, "viewer")
    open_view(page, server, "/countries/2024-06?country=PHL")
    rows = page.locator("#countries-table tbody tr[data-country]")
    assert rows.count() == 1
    assert rows.first.get_by_test_id("listed").inner_text() == "not listed"


def test_a_round_as_of_a_month(page: Any, server: Server) -> None:
    sign_in(page, server, "planner")
    open_view(page, server, "/rounds/new")
    form = "#round-form"
    options = field(page, form, "safeguard_mode").locator("option").all_inner_texts()
    assert not any(o.startswith("off") for o in options)  # a live round keeps its safeguards
    field(page, form, "name").fill("as of 2024")
    field(page, form, "as_of").fill("2024-01")
    page.get_by_role("button", name="Create as draft").click()
    page.wait_for_url(re.compile(r"#/rounds/\d+$"))
    wait_loaded(page, "rounds")
    round_id = int(page.url.rsplit("/", 1)[1])
    assert server.get("planner", f"/v1/rounds/{round_id}")["as_of"] == "2024-01"
    assert "as of 2024-01" in page.locator("#round-meta").inner_text()


def test_a_round_with_answers_due_by(page: Any, server: Server) -> None:
    sign_in(page, server, "planner")
    open_view(page, server, "/rounds/new")
    form = "#round-form"
    field(page, form, "name").fill("answers due")
    field(page, form, "answer_by").fill("2027-01-31T12:00")
    page.get_by_role("button", name="Create as draft").click()
    page.wait_for_url(re.compile(r"#/rounds/\d+$"), timeout=5_000)
    round_id = int(page.url.rsplit("/", 1)[1])
    assert server.get("planner", f"/v1/rounds/{round_id}")["answer_by"].startswith("2027-01-31")


def test_a_focal_point_is_told_comparisons_are_not_for_its_role(page: Any, server: Server) -> None:
    base = server.round_id
    whatif = what_if_of(server, base, "code") or server.call(
        "planner", "POST", f"/v1/rounds/{base}/what-if", {"policy": {"safeguard_mode": "code"}}
    )
    sign_in(page, server, "phl")
    open_view(page, server, f"/compare/{base}/{whatif['id']}")
    status = page.locator("#compare-status").inner_text()
    assert status.startswith("Comparisons are for planners and viewers")
    assert page.locator("#whatif-panel").is_hidden()
    assert page.locator("#comparison").is_hidden()
    # Nothing leads a focal point there: no What-if tab, no What-if… on a round.
    assert page.locator("#nav-compare").is_hidden()
    open_view(page, server, f"/rounds/{base}")
    assert page.locator("#whatif-link").is_hidden()
