"""Serves the dashboard's static files: ``/dashboard`` is the page, ``/dashboard/<file>`` the rest.

The files are read from the package's ``static`` folder only (no path may leave it), with a
Content-Security-Policy that allows nothing but this origin, so the page works offline and loads
no third-party code.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from exchange.errors import NotFound

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

router = APIRouter(tags=["dashboard UI"], include_in_schema=False)


def _file(relative: str) -> Response:
    root = STATIC.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"no dashboard file {relative!r}")
    media_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return FileResponse(path, media_type=media_type, headers=HEADERS)


@router.api_route("/dashboard", methods=["GET", "HEAD"])
def dashboard_page() -> Response:
    """The dashboard page."""
    return _file("index.html")


@router.get("/dashboard/")
def dashboard_slash() -> Response:
    """``/dashboard/`` is ``/dashboard``."""
    return RedirectResponse("/dashboard", status_code=308)


@router.api_route("/dashboard/{path:path}", methods=["GET", "HEAD"])
def dashboard_file(path: str) -> Response:
    """A static file of the dashboard (scripts, styles, icons)."""
    return _file(path)
