"""The dashboard as a workplace, in headless Chromium against the real server: a planner creates,
runs (watching its progress) and closes a round and manages agreements; a focal point posts,
fixes, edits and withdraws a withdrawal, and a stale edit is explained; workforce facts; deep
links, the country filter and the keyboard."""

from __future__ import annotations

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
    """The control of a field of a form built from specs (``#posting-form``, ...)."""
    return page.locator(f'{form} [data-field="{name}"]').locator("input, select, textarea")


def problem(page: Any, form: str, name: str) -> Any:
    """The problem shown beside a field."""
    return page.locator(f'{form} [data-problem-for="{name}"]')


def test_planner_creates_runs_watches_and_closes_a_round(
    fresh_page: Any, fresh_server: Server
) -> None:
    page, server = fresh_page, fresh_server
    sign_in(page, server, "planner", rounds=False)
    page.get_by_role("link", name="New round").click()
    page.locator("#round-form [data-field=seed]").wait_for()
    # The spec's defaults, each with its hint.
    assert field(page, "#round-form", "safeguard_mode").input_value() == "strict"
    assert field(page, "#round-form", "language_months_per_level").input_value() == "6"
    assert field(page, "#round-form", "time_limit_s").input_value() == "30"
    assert field(page, "#round-form", "benefit_floor_ratio").input_value() == "0"
    assert field(page, "#round-form", "max_depletion_share").input_value() == ""
    assert page.locator("#round-form .hint:not(:empty)").count() == 12
    assert page.evaluate("document.activeElement.id") == "new-round-title"

    field(page, "#round-form", "name").fill("planner's round")
    field(page, "#round-form", "max_depletion_share").fill("2")  # a share: 0..1
    page.get_by_role("button", name="Create and run").click()
    problem(page, "#round-form", "max_depletion_share").wait_for()
    assert problem(page, "#round-form", "max_depletion_share").inner_text()
    assert "problem" in page.locator("#round-problems").inner_text()
    assert axe_problems(page) == []
    screenshot(page, "workplace-new-round-problem")

    field(page, "#round-form", "max_depletion_share").fill("0.05")
    streams: list[str] = []  # the progress streams the page opens
    page.on("request", lambda request: streams.append(request.url))
    page.get_by_role("button", name="Create and run").click()
    page.wait_for_url(re.compile(r"#/rounds/\d+$"))
    round_id = int(page.url.rsplit("/", 1)[1])
    panel = page.locator("#progress-panel")
    page.locator("#progress-panel[data-state=proposed]").wait_for()
    page.locator("#close-round").wait_for()
    rnd = server.get("planner", f"/v1/rounds/{round_id}")
    assert rnd["status"] == "proposed"
    assert rnd["policy"]["max_depletion_share"] == 0.05
    assert rnd["policy"]["language_months_per_level"] == 6
    fill = panel.locator('[data-tier="priority_fill"]')
    assert fill.get_by_test_id("incumbent").inner_text() == f"{rnd['objective']['priority_fill']:,}"
    assert fill.get_by_test_id("tier-state").inner_text() == "proven optimal"
    status = page.locator("#progress-status").inner_text()
    assert "every tier proven optimal" in status
    assert status.endswith("Round proposed.")
    assert page.get_by_test_id("round-status").inner_text() == "proposed"
    assert axe_problems(page) == []
    screenshot(page, "workplace-round-progress")

    # Both countries confirm one proposal (an admin answers for both sides).
    proposals = server.get("planner", f"/v1/rounds/{round_id}/proposals")["data"]
    chosen = proposals[0]
    server.call("admin", "POST", f"/v1/proposals/{chosen['id']}/accept")
    # the live stream drew the whole solve: the refresh when it ended does not replay it
    assert sum(url.endswith(f"/v1/rounds/{round_id}/events") for url in streams) == 1
    workers = chosen["count"]
    benefit = chosen["count"] * chosen["benefit_usd_per_worker"]

    page.get_by_role("button", name="Review and close…").click()
    dialog = page.locator("#confirm-dialog")
    dialog.get_by_test_id("close-books").wait_for()
    books = dialog.get_by_test_id("close-books").inner_text()
    plural = "s" if workers != 1 else ""
    assert f"books 1 confirmed proposal: {workers:,} worker{plural} and ${benefit:,}" in books
    expires = dialog.get_by_test_id("close-expires").inner_text()
    assert expires.startswith(f"{len(proposals) - 1} proposal")
    assert axe_problems(page) == []
    screenshot(page, "workplace-close-confirmation", full_page=False)
    dialog.get_by_role("button", name="Close and book 1").click()
    page.get_by_test_id("close-report").wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=round-status]').textContent === 'closed'"
    )
    report = page.get_by_test_id("close-report").inner_text()
    assert report.startswith("1 proposals booked as")
    closed = server.get("planner", f"/v1/rounds/{round_id}")
    assert closed["status"] == "closed"
    assert closed["close_report"]["booked"] == [chosen["id"]]
    screenshot(page, "workplace-round-closed")


def test_planner_closes_nothing_when_the_confirmation_is_cancelled(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "planner")
    page.get_by_role("button", name="Review and close…").click()
    page.locator("#confirm-dialog").get_by_test_id("close-books").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#confirm-dialog").is_hidden()
    assert server.get("planner", f"/v1/rounds/{server.round_id}")["status"] == "proposed"


def test_focal_point_posts_fixes_edits_and_withdraws_a_withdrawal(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "deu")
    page.get_by_role("link", name="My postings").click()
    wait_loaded(page, "postings")
    page.get_by_role("link", name="Post a withdrawal").click()
    form = "#posting-form"
    page.locator(f"{form} [data-field=cadre]").wait_for()
    field(page, form, "cadre").select_option("2221")
    field(page, form, "count").fill("3")
    field(page, form, "priority").fill("9")
    field(page, form, "start_from").fill("2027-01")
    field(page, form, "start_to").fill("2027-06")
    field(page, form, "required_languages").fill("de:B2")
    page.get_by_role("button", name="Post withdrawal").click()
    problem(page, form, "priority").wait_for()
    assert "5" in problem(page, form, "priority").inner_text()
    assert field(page, form, "priority").get_attribute("aria-invalid") == "true"
    assert problem(page, form, "count").inner_text() == ""
    assert axe_problems(page) == []
    screenshot(page, "workplace-posting-problem")

    field(page, form, "priority").fill("4")
    page.get_by_role("button", name="Post withdrawal").click()
    page.wait_for_url(re.compile(r"#/postings$"))
    wait_loaded(page)
    mine = server.get("deu", "/v1/withdrawals?status=open")["data"]
    posted = next(w for w in mine if w["priority"] == 4 and w["count"] == 3)
    row = page.locator(f'#postings-table tr[data-posting="{posted["id"]}"]')
    assert row.get_by_test_id("remaining").inner_text() == "3"
    assert row.get_by_test_id("posting-status").inner_text() == "open"

    row.get_by_role("link", name=f"Edit withdrawal {posted['id']}").click()
    page.locator(f"{form} [data-field=count]").wait_for()
    assert field(page, form, "count").input_value() == "3"
    field(page, form, "count").fill("5")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"#/postings$"))
    wait_loaded(page)
    edited = server.get("deu", f"/v1/withdrawals/{posted['id']}")
    assert (edited["count"], edited["version"], edited["priority"]) == (5, 2, 4)
    row = page.locator(f'#postings-table tr[data-posting="{posted["id"]}"]')
    assert row.get_by_test_id("remaining").inner_text() == "5"

    row.get_by_role("button", name=f"Withdraw withdrawal {posted['id']}").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Withdraw withdrawal").click()
    page.wait_for_function(
        "id => !document.querySelector(`#postings-table tr[data-posting='${id}']`)",
        arg=posted["id"],
    )
    assert server.get("deu", f"/v1/withdrawals/{posted['id']}")["status"] == "withdrawn"
    page.locator("#postings-status").select_option("withdrawn")
    page.locator(f'#postings-table tr[data-posting="{posted["id"]}"]').wait_for()
    screenshot(page, "workplace-postings-withdrawn")


def test_a_stale_edit_is_explained_field_by_field(page: Any, server: Server) -> None:
    body = {
        "country": "PHL",
        "cadre": "2221",
        "count": 4,
        "available_from": "2027-01",
        "available_to": "2027-12",
    }
    deposit = server.call("phl", "POST", "/v1/deposits", body)
    sign_in(page, server, "phl")
    open_view(page, server, f"/postings/deposits/{deposit['id']}")  # a deep link to the form
    form = "#posting-form"
    assert field(page, form, "count").input_value() == "4"
    # Someone else saves it meanwhile.
    server.call(
        "phl",
        "PATCH",
        f"/v1/deposits/{deposit['id']}",
        {"count": 6, "languages": {"en": "B2"}},
        version=deposit["version"],
    )
    field(page, form, "notes").fill("my note")
    page.get_by_role("button", name="Save changes").click()
    notice = page.get_by_test_id("stale-notice")
    notice.wait_for()
    assert "version 1 is now version 2" in notice.inner_text()
    changed = notice.locator("tr[data-changed]")
    assert sorted(changed.evaluate_all("rows => rows.map(r => r.dataset.changed)")) == [
        "count",
        "languages",
        "remaining",  # follows the count
    ]
    count_row = notice.locator('tr[data-changed="count"]').locator("td").all_inner_texts()
    assert count_row == ["4", "6"]
    assert server.get("phl", f"/v1/deposits/{deposit['id']}")["notes"] is None
    assert axe_problems(page) == []
    screenshot(page, "workplace-stale-edit")

    notice.get_by_role("button", name="Start again from the current version").click()
    assert field(page, form, "count").input_value() == "6"
    field(page, form, "notes").fill("my note")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"#/postings$"))
    saved = server.get("phl", f"/v1/deposits/{deposit['id']}")
    assert (saved["notes"], saved["count"], saved["version"]) == ("my note", 6, 3)


def test_planner_creates_edits_and_ends_an_agreement_with_a_stale_edit_explained(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "planner")
    page.get_by_role("link", name="Agreements").click()
    wait_loaded(page, "agreements")
    page.get_by_role("link", name="New agreement").click()
    form = "#agreement-form"
    page.locator(f"{form} [data-field=origin]").wait_for()
    field(page, form, "origin").fill("phl")
    field(page, form, "destination").fill("DEU")
    field(page, form, "name").fill("Nurses' MoU")
    field(page, form, "valid_from").fill("2026-01")
    field(page, form, "valid_to").fill("2025-12")
    field(page, form, "quotas").fill("2221:40")
    page.get_by_role("button", name="Create agreement").click()
    page.locator("#agreement-problems").wait_for()
    shown = page.locator(f"{form} .field-problem:not(:empty)").all_inner_texts()
    assert shown, "the window's problem is beside a field"
    field(page, form, "valid_to").fill("2028-12")
    page.get_by_role("button", name="Create agreement").click()
    page.wait_for_url(re.compile(r"#/agreements$"))
    wait_loaded(page)
    created = next(
        a
        for a in server.get("planner", "/v1/agreements?origin=PHL&destination=DEU")["data"]
        if a["name"] == "Nurses' MoU"
    )
    assert created["quotas"] == {"2221": 40}
    row = page.locator(f'#agreements-table tr[data-agreement="{created["id"]}"]')
    assert "2221:40" in row.inner_text()

    row.get_by_role("link", name=f"Edit agreement {created['id']}").click()
    page.locator(f"{form} [data-field=quotas]").wait_for()
    server.call(
        "planner",
        "PATCH",
        f"/v1/agreements/{created['id']}",
        {"g2g": True},
        version=created["version"],
    )
    field(page, form, "benefit_usd_per_worker").fill("1500")
    page.get_by_role("button", name="Save changes").click()
    notice = page.get_by_test_id("stale-notice")
    notice.wait_for()
    assert notice.locator("tr[data-changed]").evaluate_all(
        "rows => rows.map(r => r.dataset.changed)"
    ) == ["g2g"]
    screenshot(page, "workplace-agreement-stale")
    notice.get_by_role("button", name="Start again from the current version").click()
    field(page, form, "benefit_usd_per_worker").fill("1500")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"#/agreements$"))
    wait_loaded(page)
    saved = server.get("planner", f"/v1/agreements/{created['id']}")
    assert (saved["g2g"], saved["benefit_usd_per_worker"], saved["version"]) == (True, 1500, 3)

    row = page.locator(f'#agreements-table tr[data-agreement="{created["id"]}"]')
    row.get_by_role("button", name=f"End agreement {created['id']}").click()
    page.locator("#confirm-dialog").get_by_role("button", name="End agreement").click()
    page.wait_for_function(
        "id => !document.querySelector(`#agreements-table tr[data-agreement='${id}']`)",
        arg=created["id"],
    )


def test_a_focal_point_declares_its_own_workforce_facts(page: Any, server: Server) -> None:
    sign_in(page, server, "phl")
    page.get_by_role("link", name="Workforce").click()
    wait_loaded(page, "workforce")
    assert page.locator("#workforce-title").inner_text() == "Workforce facts of Philippines"
    row = page.locator('#workforce-table tr[data-cadre="2221"]')
    fact = server.get("phl", "/v1/workforce/PHL/2221")
    expected = "unknown" if fact["stock"] is None else f"{fact['stock']:,}"
    assert row.locator("td").first.inner_text() == expected
    row.get_by_role("button").click()
    field(page, "#workforce-form", "stock").fill("123456")
    page.get_by_role("button", name="Save facts").click()
    page.wait_for_function(
        "v => document.querySelector('#workforce-table tr[data-cadre=\"2221\"] td')"
        "?.textContent === v",
        arg="123,456",
    )
    assert server.get("phl", "/v1/workforce/PHL/2221")["stock"] == 123456
    assert axe_problems(page) == []
    screenshot(page, "workplace-workforce-declared")  # another country's: tests/api


def test_planner_writes_workforce_facts_of_the_filtered_country(page: Any, server: Server) -> None:
    sign_in(page, server, "planner")
    open_view(page, server, "/workforce?country=NPL")
    assert page.locator("#workforce-title").inner_text() == "Workforce facts of Nepal"
    assert page.locator("#country-filter").input_value() == "NPL"
    before = server.get("planner", "/v1/workforce/NPL/3221")
    page.locator('#workforce-table tr[data-cadre="3221"]').get_by_role("button").click()
    field(page, "#workforce-form", "source").fill("browser test")
    page.get_by_role("button", name="Save facts").click()
    page.wait_for_function(
        "v => document.querySelector('#workforce-table tr[data-cadre=\"3221\"] td:nth-of-type(5)')"
        "?.textContent === v",
        arg=str(before["version"] + 1),
    )
    assert server.get("planner", "/v1/workforce/NPL/3221")["source"] == "browser test"


def test_deep_link_to_a_round_with_the_country_filter(page: Any, server: Server) -> None:
    sign_in(page, server, "viewer")
    open_view(page, server, f"/rounds/{server.round_id}?country=PHL")
    assert page.locator("#country-filter").input_value() == "PHL"
    assert page.locator("#round-select").input_value() == str(server.round_id)
    rows = page.locator("#proposals-table tbody tr[data-proposal]")
    mine = server.get("planner", f"/v1/rounds/{server.round_id}/proposals?country=PHL")["data"]
    assert rows.count() == len(mine)
    flows = server.get("planner", f"/v1/dashboard/flows?round={server.round_id}")["data"]
    shown = [f for f in flows if "PHL" in (f["origin"], f["destination"])]
    assert page.locator("#flows-table tbody tr").count() == max(len(shown), 1)
    assert page.locator("#ledger-title").inner_text() == "Ledger of Philippines"
    # The filter moves with the views, and All countries clears it.
    page.get_by_role("link", name="Agreements").click()
    page.wait_for_url(re.compile(r"#/agreements\?country=PHL$"))
    page.locator("#country-filter").select_option("")
    page.wait_for_url(re.compile(r"#/agreements$"))
    page.go_back()
    page.wait_for_url(re.compile(r"#/agreements\?country=PHL$"))


def test_keyboard_reaches_the_views_with_a_visible_focus(page: Any, server: Server) -> None:
    sign_in(page, server, "planner")
    page.locator("[data-view-link=postings]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.viewLink") == "agreements"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#/agreements$"))
    wait_loaded(page, "agreements")
    assert page.evaluate("document.activeElement.id") == "agreements-title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "new-agreement"
    page.keyboard.press("Enter")
    page.locator("#agreement-form [data-field=origin]").wait_for()
    wait_loaded(page, "agreements")
    assert page.evaluate("document.activeElement.id") == "agreement-form-title"


@pytest.mark.parametrize(
    ("who", "route"),
    [
        ("planner", "/rounds"),
        ("planner", "/rounds/new"),
        ("planner", "/agreements"),
        ("planner", "/agreements/new"),
        ("planner", "/workforce?country=NPL"),
        ("planner", "/postings"),
        ("planner", "/compare"),
        ("phl", "/rounds"),
        ("phl", "/postings"),
        ("phl", "/postings/new/withdrawals"),
        ("phl", "/postings/new/deposits"),
        ("phl", "/workforce"),
        ("viewer", "/rounds?country=PHL"),
    ],
)
def test_no_serious_accessibility_violations(
    page: Any, server: Server, who: str, route: str
) -> None:
    sign_in(page, server, who)
    open_view(page, server, route)
    problems = axe_problems(page)
    assert problems == [], problems
    name = re.sub(r"[^a-z0-9]+", "-", f"{who}{route}".lower()).strip("-")
    screenshot(page, f"workplace-axe-{name}")


def test_sign_in_page_has_no_serious_accessibility_violations(page: Any, server: Server) -> None:
    page.goto(f"{server.base}/dashboard")
    page.get_by_label("Bearer token").wait_for()
    assert axe_problems(page) == []
