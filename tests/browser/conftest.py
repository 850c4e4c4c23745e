"""Browser tests: the real server (uvicorn in a subprocess) on a temporary SQLite database with
the reference data, the Asia-Pacific demo and one solved round, driven by headless Chromium.

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
USERS = (
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


def prepare_database(url: str) -> tuple[dict[str, str], int]:
    """Reference data, the demo dataset, one user per role, and one round run and solved."""
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


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh tab (own sessionStorage); fails the test on a page error or a request that
    leaves the server's origin (the dashboard must work offline)."""
    context = browser.new_context(viewport={"width": 1320, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server.base, "data:", "blob:"))
            else problems.append(f"request off the server: {request.url}")
        ),
    )
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    assert problems == []


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, server: Server, who: str) -> None:
    page.goto(f"{server.base}/dashboard")
    page.get_by_label("Bearer token").fill(server.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    page.locator("body[data-loaded=true]").wait_for(state="attached")
    page.locator("#rounds-table tbody tr[data-round]").first.wait_for()
