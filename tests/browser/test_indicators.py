"""The indicators view (#/indicators): the two SVG charts (placements and returns per route,
benefit per origin), one table per indicator with its definition and WHO Table 1 row, values
as the API gives them, the period form, the download links, and no serious accessibility problem.

The shared ``server`` has a solved round but no placement, so this module's server runs a round
as of six months ago and books part of it (both sides accept every other proposal, it closes),
then records events and payments on the placements, as ``hrhx demo`` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange.db import make_engine, session_scope
from exchange.identity.actor import SYSTEM
from exchange.placements.events import record_event, record_payment
from exchange.placements.schemas import PaymentCreate, PlacementEventCreate
from exchange.placements.service import list_placements, month_after, placements_public
from exchange.proposals.service import accept_proposal, list_proposals
from exchange.rounds.closing import close_round
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.worker import process_all
from exchange.timestamps import current_month
from tests.browser.conftest import (
    Server,
    _tab,
    axe_problems,
    open_view,
    prepare_database,
    screenshot,
    sign_in,
    wait_loaded,
)
from tests.servers import UVICORN_FACTORY, ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def book_with_history(url: str) -> int:
    """A round as of six months ago, run and closed with every other proposal accepted; then on
    each placement a contract, a departure and a start, a return on every other one, and half
    the benefit paid on every other one in its booked month (its start month may lie after this
    month, the indicators' default end). The round's id."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            data = RoundCreate(
                name="booked round", policy={}, as_of=month_after(current_month(), -6)
            )
            rnd = create_round(session=session, actor=SYSTEM, data=data)
            assert rnd.id is not None
            round_id = rnd.id
            run_round(session=session, actor=SYSTEM, round_id=round_id)
        process_all(engine, "browser-tests")
        with session_scope(engine) as session:
            proposals, _ = list_proposals(
                session=session, actor=SYSTEM, round_id=round_id, limit=500
            )
            for proposal in proposals[::2]:
                assert proposal.id is not None
                accept_proposal(session=session, actor=SYSTEM, proposal_id=proposal.id)
            close_round(session=session, actor=SYSTEM, round_id=round_id)
        with session_scope(engine) as session:
            placements, _ = list_placements(session=session, actor=SYSTEM, round_id=round_id)
            rows = placements_public(session=session, placements=placements)
        assert rows, "the round booked no placement"
        for n, p in enumerate(rows):
            steps = [("contract_signed", p.workers, p.start_month)]
            if p.modality == "relocation":
                steps.append(("departed", p.workers, p.start_month))
            steps.append(("started", p.workers, month_after(p.start_month, 1)))
            if p.modality == "relocation" and n % 2 == 0:
                steps.append(("returned", 1, month_after(p.start_month, 7)))
            with session_scope(engine) as session:
                for kind, workers, month in steps:
                    event = PlacementEventCreate.model_validate(
                        {"kind": kind, "workers": workers, "month": month, "note": "test"}
                    )
                    record_event(session=session, actor=SYSTEM, placement_id=p.id, data=event)
                if p.benefit_promised_usd and n % 2 == 0:
                    payment = PaymentCreate(
                        amount_usd=p.benefit_promised_usd // 2,
                        month=p.booked_month,
                        note="test",
                    )
                    record_payment(session=session, actor=SYSTEM, placement_id=p.id, data=payment)
    finally:
        engine.dispose()
    return round_id


@pytest.fixture(scope="module")
def booked_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser-booked")
    url = f"sqlite:///{(tmp / 'booked.sqlite3').as_posix()}"
    tokens, _ = prepare_database(url, with_round=False)
    round_id = book_with_history(url)
    env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp)}
    proc = ServerProcess(UVICORN_FACTORY, env=env, log=tmp / "server.log")
    try:
        yield Server(base=proc.start().base, tokens=tokens, round_id=round_id)
    finally:
        proc.stop()


@pytest.fixture
def booked_page(browser: Any, booked_server: Server) -> Iterator[Any]:
    yield from _tab(browser, booked_server.base)


def test_indicators_page_shows_charts_tables_and_downloads(
    booked_page: Any, booked_server: Server
) -> None:
    page, server = booked_page, booked_server
    sign_in(page, server, "viewer")
    page.get_by_role("link", name="Indicators").click()
    page.wait_for_url(re.compile(r"#/indicators$"))
    wait_loaded(page, "indicators")
    page.locator("[data-indicator]").first.wait_for()
    answer = server.get("viewer", "/v1/indicators")
    placements = server.get("viewer", "/v1/placements?limit=500")["data"]
    assert placements

    # the placements chart: one bar per route and booked month, points for returns
    flows = page.get_by_test_id("flows-chart")
    assert flows.evaluate("e => e.tagName") == "svg"
    expected: dict[tuple[str, str], int] = {}
    for p in placements:
        key = (f"{p['origin']}→{p['destination']}", p["booked_month"])
        expected[key] = expected.get(key, 0) + p["workers"]
    bars = flows.locator("rect.bar")
    assert bars.count() == len(expected)
    shown = {
        (b["route"], b["month"]): int(b["workers"])
        for b in bars.evaluate_all("bs => bs.map(b => ({...b.dataset}))")
    }
    assert shown == expected
    if any(p["stages"]["returned"] for p in placements):
        assert flows.locator("circle.point").count() >= 1

    # the benefit chart: promised and delivered bars per origin, from the investment rows
    benefit = page.get_by_test_id("benefit-chart")
    investment = next(i for i in answer["indicators"] if i["id"] == "investment")
    origins = [r for r in investment["rows"] if r["by"] == "origin"]
    assert origins
    assert benefit.locator("rect.bar.promised").count() == len(origins)
    delivered = {
        d["origin"]: int(d["usd"])
        for d in benefit.locator("rect.bar.delivered").evaluate_all(
            "bs => bs.map(b => ({...b.dataset}))"
        )
    }
    assert delivered == {r["origin"]: r["delivered_usd"] for r in origins}
    assert sum(delivered.values()) > 0

    # one table per indicator, with its definition and WHO Table 1 row
    assert page.locator("[data-indicator]").count() == len(answer["indicators"]) == 6
    for indicator in answer["indicators"]:
        section = page.locator(f'[data-indicator="{indicator["id"]}"]')
        assert section.get_by_role("heading", name=indicator["name"]).is_visible()
        assert section.get_by_test_id("definition").inner_text().startswith(indicator["definition"])
        assert section.get_by_test_id("who-table1").inner_text() == (
            f"WHO Table 1: {indicator['who_table1']}"
        )
        assert section.locator("tbody tr").count() == max(1, len(indicator["rows"]))
    # a value as the API gives it: the workers of the first route
    first = next(i for i in answer["indicators"] if i["id"] == "workers_by_route")["rows"][0]
    cell = page.locator('[data-indicator="workers_by_route"] tbody tr').first
    assert cell.locator('[data-key="workers"]').inner_text() == f"{first['workers']:,}"

    # the downloads: the API's files, with the bearer token
    csv_link = page.locator("#indicators-csv")
    assert csv_link.get_attribute("href") == "/v1/indicators?format=csv"
    assert page.locator("#indicators-xlsx").get_attribute("href") == "/v1/indicators?format=xlsx"
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename == "hrhx-indicators.csv"
    text = Path(download.value.path()).read_text()
    assert first["origin"] in text

    assert axe_problems(page) == []
    screenshot(page, "indicators")


def test_period_form_and_country_filter_narrow_the_indicators(
    booked_page: Any, booked_server: Server
) -> None:
    page, server = booked_page, booked_server
    sign_in(page, server, "viewer")
    placements = server.get("viewer", "/v1/placements?limit=500")["data"]
    country = placements[0]["origin"]
    month = placements[0]["booked_month"]
    open_view(page, server, f"/indicators?country={country}")
    page.locator("#indicators-from").fill(month)
    page.locator("#indicators-to").fill(month)
    # the click changes the URL at once and redraws later: until then the page must not pass
    # for loaded, or a wait for it would read the previous drawing (a flake CI once hit)
    loaded_after_click = page.evaluate(
        "() => { document.querySelector('#indicators-show').click();"
        " return document.body.dataset.loaded; }"
    )
    assert loaded_after_click == "false"
    page.wait_for_url(re.compile(rf"#/indicators\?from={month}&to={month}&country={country}$"))
    wait_loaded(page)
    query = f"from={month}&to={month}&country={country}"
    assert page.locator("#indicators-csv").get_attribute("href") == (
        f"/v1/indicators?{query}&format=csv"
    )
    answer = server.get("viewer", f"/v1/indicators?{query}")
    rows = next(i for i in answer["indicators"] if i["id"] == "workers_by_route")["rows"]
    table = page.locator('[data-indicator="workers_by_route"] tbody tr')
    assert table.count() == max(1, len(rows))
    for route in (
        page.get_by_test_id("flows-chart")
        .locator("rect.bar")
        .evaluate_all("bs => bs.map(b => b.dataset.route)")
    ):
        assert country in route
    # a bad period is refused in the page, naming the problem
    page.locator("#indicators-from").evaluate("e => { e.type = 'text'; e.value = '2026-13x'; }")
    page.locator("#indicators-show").click()
    assert "From is not a month" in page.get_by_test_id("indicators-problem").inner_text()
    response = httpx.get(
        f"{server.base}/v1/indicators?{query}&format=xlsx",
        headers={"Authorization": f"Bearer {server.tokens['viewer']}"},
        timeout=30,
    )
    assert response.status_code == 200
