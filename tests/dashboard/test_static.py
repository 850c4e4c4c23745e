"""The dashboard's files: served at /dashboard, self-contained (no CDN, works offline), safe."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.dashboard.router import STATIC

JS = sorted((STATIC / "js").glob("*.js"))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    # The static routes touch no database: an unmigrated SQLite file is enough.
    from exchange.db import make_engine

    path = tmp_path_factory.mktemp("dash") / "x.sqlite3"
    return TestClient(create_app(engine=make_engine(f"sqlite:///{path.as_posix()}")))


def test_page_and_assets_are_served_with_a_strict_csp(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert '<script type="module" src="/dashboard/js/app.js">' in page.text
    for asset in re.findall(r'(?:src|href)="(/dashboard/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    script = client.get("/dashboard/js/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/dashboard/styles.css").headers["content-type"].startswith("text/css")
    assert client.get("/dashboard/").status_code in (200, 308)


@pytest.mark.parametrize(
    "path", ["/dashboard/../app.py", "/dashboard/%2e%2e/router.py", "/dashboard/nope.js"]
)
def test_nothing_outside_the_static_folder(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_no_third_party_urls_or_inline_code() -> None:
    """Everything is local: no CDN, no fonts from elsewhere, no inline script or style."""
    for path in [STATIC / "index.html", STATIC / "styles.css", *JS]:
        text = path.read_text()
        urls = re.findall(r"https?://[^\s\"'<>)]+", text)
        assert [u for u in urls if not u.startswith("http://www.w3.org/")] == [], path
    html = (STATIC / "index.html").read_text()
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert " style=" not in html
    assert "<style" not in html
    assert re.search(r"\son[a-z]+=", html) is None


def test_every_module_import_resolves() -> None:
    for path in JS:
        for target in re.findall(r'from "(\./[^"]+)"', path.read_text()):
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports {target}"


def test_no_html_strings_are_injected() -> None:
    """Data from the API is written with textContent, never parsed as HTML."""
    for path in JS:
        text = path.read_text()
        assert "innerHTML" not in text, path
        assert "insertAdjacentHTML" not in text, path
        assert "document.write" not in text, path


def test_every_form_control_has_a_label_and_tables_have_headers() -> None:
    html = (STATIC / "index.html").read_text()
    ids = re.findall(r'<(?:input|select)[^>]*\sid="([^"]+)"', html)
    assert ids
    for control in ids:
        assert f'for="{control}"' in html, control
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        assert "<th scope=" in table
        assert "<caption" in table


def test_static_files_exist_in_the_package() -> None:
    assert Path(STATIC / "index.html").is_file()
    assert {p.name for p in JS} >= {"app.js", "api.js", "dom.js", "sankey.js", "bars.js"}


def test_every_module_is_reached_from_the_page() -> None:
    """No dead module: app.js imports every other one, directly or through another."""
    seen: set[str] = set()
    todo = ["app.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += re.findall(r'from "\./([^"]+)"', (STATIC / "js" / name).read_text())
    assert seen == {p.name for p in JS}


AXE = STATIC / "vendor" / "axe-core"


def test_axe_core_is_vendored_with_its_licence_and_served(client: TestClient) -> None:
    """The accessibility check runs offline: axe-core is served by the app, with its licence."""
    assert (AXE / "LICENSE").read_text().startswith("Mozilla Public License")
    assert (AXE / "LICENSE-3RD-PARTY.txt").is_file()
    version = re.search(r"axe-core (\d+\.\d+\.\d+)", (AXE / "README.md").read_text())
    assert version is not None
    script = client.get("/dashboard/vendor/axe-core/axe.min.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.text.startswith(f"/*! axe v{version.group(1)}")
    # The page itself never loads it: only the browser tests inject it.
    assert "vendor/" not in (STATIC / "index.html").read_text()


def test_every_route_has_its_view_in_the_page() -> None:
    """Each view the router knows (what-if and countries included) is a part of the page."""
    router = (STATIC / "js" / "router.js").read_text()
    views = re.search(r"export const VIEWS = \[([^\]]+)\]", router)
    assert views is not None
    html = (STATIC / "index.html").read_text()
    for view in re.findall(r'"([a-z-]+)"', views.group(1)):
        assert f'data-view="{view}"' in html, view
    for dialog in ("confirm-dialog", "decline-dialog"):
        assert f'<dialog class="dialog" id="{dialog}"' in html
