"""Browser tests: the real server (uvicorn in a subprocess) on a temporary SQLite database with
the reference data, the Asia-Pacific demo and one solved round, driven by headless Chromium;
``fresh_server`` is a second one without any round, for a planner's whole round.

``axe_problems`` runs axe-core (vendored in the dashboard's static folder, served by the app)
on the page and returns its serious and critical violations.

Chromium is Debian's ``/usr/bin/chromium`` (never ``playwright install``). Without it the tests
skip, except under CI (env ``CI`` set), where they must run: this conftest then installs it with
``apt-get update && apt-get install -y chromium`` when running as root,
and fails otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange.db import make_engine, session_scope
from exchange.identity.actor import SYSTEM
from exchange.identity.service import create_user
from exchange.migrate import upgrade
from exchange.reference.service import load_dataset, load_reference
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round, run_round
from exchange.rounds.worker import process_all
from tests.servers import UVICORN_FACTORY, ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = "apt-get update && apt-get install -y chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = "/dashboard/vendor/axe-core/axe.min.js"
USERS = (
    ("admin", "admin", None),
    ("planner", "planner", None),
    ("viewer", "viewer", None),
    ("phl", "focal_point", "PHL"),
    ("deu", "focal_point", "DEU"),
)

pytestmark = pytest.mark.e2e


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def ensure_chromium() -> Path:
    """The Chromium binary: skip without it locally; in CI install it (as root) or fail."""
    if CHROMIUM.exists():
        return CHROMIUM
    if not _in_ci():
        pytest.skip(f"{CHROMIUM} is absent (install it with: {INSTALL}); set CI=1 to require it")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["sh", "-c", INSTALL], check=True, env=env, timeout=900)
        if CHROMIUM.exists():
            return CHROMIUM
    pytest.fail(f"CI is set but {CHROMIUM} is absent and could not be installed ({INSTALL})")


def prepare_database(url: str, *, with_round: bool = True) -> tuple[dict[str, str], int]:
    """Reference data, the demo dataset, one user per role, and (``with_round``) one round run
    and solved; the round's id, or 0 without one."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            load_reference(session=session)
        with session_scope(engine) as session:
            load_dataset(session=session, name="asia-pacific-demo")
        tokens: dict[str, str] = {}
        with session_scope(engine) as session:
            for name, role, country in USERS:
                _, token = create_user(session=session, name=name, role=role, country=country)
                tokens[name] = token
        if not with_round:
            return tokens, 0
        with session_scope(engine) as session:
            rnd = create_round(
                session=session, actor=SYSTEM, data=RoundCreate(name="browser round", policy={})
            )
            assert rnd.id is not None
            round_id = rnd.id
            run_round(session=session, actor=SYSTEM, round_id=round_id)
        process_all(engine, "browser-tests")
    finally:
        engine.dispose()
    return tokens, round_id


@dataclass
class Server:
    """The running server: its address, tokens per user, and the demo round's id."""

    base: str
    tokens: dict[str, str]
    round_id: int

    def get(self, who: str, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = httpx.get(f"{self.base}{path}", headers=headers, timeout=30)
        response.raise_for_status()
        return response.json()

    def call(
        self,
        who: str,
        method: str,
        path: str,
        body: Any = None,
        version: int | None = None,
    ) -> Any:
        """A write as ``who`` (``version``: sent as If-Match); fails unless it succeeds."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        response = httpx.request(
            method, f"{self.base}{path}", headers=headers, json=body, timeout=30
        )
        response.raise_for_status()
        return response.json() if response.content else None


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_chromium()


@pytest.fixture(scope="session")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{(tmp / 'dashboard.sqlite3').as_posix()}"
    tokens, round_id = prepare_database(url)
    env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp)}
    proc = ServerProcess(UVICORN_FACTORY, env=env, log=tmp / "server.log")
    try:
        yield Server(base=proc.start().base, tokens=tokens, round_id=round_id)
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def fresh_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on the demo data with no round yet: a planner's round holds every posting."""
    tmp = tmp_path_factory.mktemp("browser-fresh")
    url = f"sqlite:///{(tmp / 'fresh.sqlite3').as_posix()}"
    tokens, _ = prepare_database(url, with_round=False)
    env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp)}
    proc = ServerProcess(UVICORN_FACTORY, env=env, log=tmp / "server.log")
    try:
        yield Server(base=proc.start().base, tokens=tokens, round_id=0)
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    if _in_ci():
        from playwright.sync_api import sync_playwright
    else:
        sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
        sync_playwright = sync_api.sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots are, when browser tests took any."""
    shots = sorted(ARTIFACTS.glob("*.png")) if ARTIFACTS.is_dir() else []
    if shots:
        terminalreporter.write_line(f"browser screenshots: {len(shots)} in {ARTIFACTS}")


def _tab(browser: Any, base: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1320, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((base, "data:", "blob:"))
            else problems.append(f"request off the server: {request.url}")
        ),
    )
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    assert problems == []


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh tab (own sessionStorage); fails the test on a page error or a request that
    leaves the server's origin (the dashboard must work offline)."""
    yield from _tab(browser, server.base)


@pytest.fixture
def fresh_page(browser: Any, fresh_server: Server) -> Iterator[Any]:
    """A tab as ``page`` gives, for ``fresh_server``."""
    yield from _tab(browser, fresh_server.base)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (of the whole page, or what the window shows) under test-artifacts/
    (gitignored); its path is printed."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")  # noqa: T201 (shown with a failing test's output)
    return path


def wait_loaded(page: Any, view: str | None = None) -> None:
    """The view drawn; with ``view``, that view: after a navigation the URL changes before the
    app's hashchange handler runs, so ``data-loaded`` may still be the previous view's."""
    if view is None:
        page.locator("body[data-loaded=true]").wait_for(state="attached")
    else:
        page.locator(f'body[data-current-view="{view}"][data-loaded=true]').wait_for(
            state="attached"
        )


def sign_in(page: Any, server: Server, who: str, *, rounds: bool = True) -> None:
    """Sign in on the dashboard's page; ``rounds``: wait for the rounds table to have a round."""
    page.goto(f"{server.base}/dashboard")
    page.get_by_label("Bearer token").fill(server.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    wait_loaded(page)
    if rounds:
        page.locator("#rounds-table tbody tr[data-round]").first.wait_for()


def open_view(page: Any, server: Server, route: str) -> None:
    """Go to a hash route of the signed-in page and wait until its view is drawn."""
    page.evaluate("document.body.dataset.loaded = 'false'")
    page.goto(f"{server.base}/dashboard#{route}")
    wait_loaded(page)


AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def axe_problems(page: Any) -> list[dict[str, Any]]:
    """The page's serious and critical accessibility violations, by axe-core (served by the app:
    the page's Content-Security-Policy allows scripts from its own origin only)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return [v for v in violations if v["impact"] in ("serious", "critical")]
