"""The dashboard in headless Chromium against the real server: a planner sees the round's
numbers, a focal point accepts a proposal, imports report bad rows, sign-in and sign-out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, screenshot, sign_in, wait_loaded

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_planner_sees_the_rounds_numbers_flows_and_reasons(page: Any, server: Server) -> None:
    rnd = server.get("planner", f"/v1/rounds/{server.round_id}")
    assert rnd["status"] == "proposed"
    objective = rnd["objective"]
    sign_in(page, server, "planner")
    assert page.get_by_test_id("role").inner_text().lower() == "planner"
    assert page.get_by_test_id("round-status").inner_text() == "proposed"

    row = page.locator(f'#rounds-table tr[data-round="{server.round_id}"]')
    cells = row.locator("td").all_inner_texts()
    assert f"{objective['priority_fill']:,}" in cells
    assert f"${objective['benefit_usd']:,}" in cells
    assert f"{objective['min_fill_permille'] / 10:.1f}%" in cells
    kpi = page.get_by_test_id("kpi-priority-fill").inner_text()
    assert f"{objective['priority_fill']:,}" in kpi

    flows = server.get("planner", f"/v1/dashboard/flows?round={server.round_id}")["data"]
    assert flows
    sankey = page.get_by_test_id("sankey")
    assert sankey.locator("path.link").count() == len(flows)
    origins = {f["origin"] for f in flows}
    assert page.locator("#benefit-bars .bar-row").count() == len(origins)
    assert page.locator("#fill-bars .bar-row").count() >= 1

    result = server.get("planner", f"/v1/rounds/{server.round_id}/result")
    unmatched = result["unmatched"]["withdrawals"] + result["unmatched"]["deposits"]
    assert page.locator("#unfilled-table tbody tr").count() == len(unmatched)
    first_code = unmatched[0]["reasons"][0]["code"]
    assert first_code in page.locator("#unfilled-table").inner_text()

    proposals = page.locator("#proposals-table tbody tr[data-proposal]")
    assert proposals.count() == rnd["matches_count"]
    assert page.locator("#proposals-table button").count() == 0  # planners do not answer
    assert page.locator("#import-panel").is_hidden()
    screenshot(page, "dashboard-planner")


def test_focal_point_accepts_a_proposal_and_sees_its_status_change(
    page: Any, server: Server
) -> None:
    mine = server.get("phl", f"/v1/rounds/{server.round_id}/proposals")["data"]
    pending = [p for p in mine if p["status"] == "pending"]
    assert pending, mine
    proposal = pending[0]
    side = "origin" if proposal["origin"] == "PHL" else "destination"
    sign_in(page, server, "phl")
    assert page.get_by_test_id("role").inner_text().lower() == "focal point · phl"
    row = page.locator(f'#proposals-table tr[data-proposal="{proposal["id"]}"]')
    assert row.get_by_test_id("proposal-status").inner_text() == "pending"
    assert page.locator("#proposals-table tbody tr[data-proposal]").count() == len(mine)
    screenshot(page, "dashboard-focal-point-before-accept")

    row.get_by_role("button", name=re.compile(r"^Accept proposal")).click()
    selector = (
        f"#proposals-table tr[data-proposal='{proposal['id']}'] [data-testid=proposal-status]"
    )
    status = page.locator(selector)
    expected = f"accepted by {side}"
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text",
        arg=[selector, expected],
    )
    assert status.inner_text() == expected
    assert page.locator("#toast").inner_text().startswith(f"Proposal {proposal['id']} accepted")
    after = server.get("phl", f"/v1/proposals/{proposal['id']}")
    assert after["status"] == f"accepted_by_{side}"
    # Its side has answered: no more buttons on that row; the ledger shows PHL only.
    row = page.locator(f'#proposals-table tr[data-proposal="{proposal["id"]}"]')
    assert row.get_by_role("button").count() == 0
    assert page.locator("#ledger-title").inner_text() == "Ledger of Philippines"
    assert page.locator("#ledger-country-field").is_hidden()
    screenshot(page, "dashboard-focal-point-after-accept")


def test_focal_point_import_lists_every_bad_row(page: Any, server: Server) -> None:
    sign_in(page, server, "deu")
    assert page.locator("#import-panel").is_visible()
    bad = (
        b"cadre,count,start_from,start_to,priority\n"
        b"2221,4,2027-01,2027-06,2\n"
        b"2221,lots,2027-01,2027-06,9\n"
    )
    page.set_input_files(
        "#import-file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_label("Kind").select_option("withdrawals")
    page.get_by_role("button", name="Import").click()
    page.get_by_test_id("import-bad").wait_for()
    text = page.locator("#import-result").inner_text()
    assert "Nothing was imported" in text
    assert "whole number" in text
    assert "priority must be 1..5" in text
    screenshot(page, "dashboard-import-problems")
    page.locator("#import-panel").screenshot(path=str(ARTIFACTS / "dashboard-import-panel.png"))


def test_bad_token_then_sign_in_survives_reload_and_sign_out_forgets(
    page: Any, server: Server
) -> None:
    page.goto(f"{server.base}/dashboard")
    page.get_by_label("Bearer token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("This token is not valid").wait_for()
    assert page.locator("#app").is_hidden()
    sign_in(page, server, "viewer")
    page.reload()
    wait_loaded(page)
    assert page.get_by_test_id("role").inner_text().lower() == "viewer"
    page.get_by_role("button", name="Sign out").click()
    assert page.locator("#signin").is_visible()
    assert page.evaluate("sessionStorage.getItem('hrhx.token')") is None
