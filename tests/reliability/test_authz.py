"""Authorisation sweep: every route of the app (read from ``app.routes``), called without a token,
with a bad token, as each role and as the focal point of another country; only API.md's rights
succeed. A route missing from ``RIGHTS`` fails the test, so a new route must be given its rights.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, deposit, withdrawal
from tests.reliability.conftest import AGREEMENT, World
from tests.reliability.routes import MUTATING, app_routes

log = logging.getLogger(__name__)
OK = "ok"
CALLERS = ("anon", "bad", "viewer", "other", "planner", "own", "admin")
"""In this order: refusals first, so that an allowed write cannot hide a refusal behind a 409."""


def rights(**kw: Any) -> dict[str, Any]:
    base = {"anon": 401, "bad": 401, "admin": OK, "planner": OK, "viewer": OK, "own": OK}
    base["other"] = OK
    base.update(kw)
    return base


PUBLIC = rights(anon=OK, bad=OK)
ANY_ROLE = rights()
ADMIN_ONLY = rights(planner=403, viewer=403, own=403, other=403)
PLANNER = rights(viewer=403, own=403, other=403)
NO_FOCAL = rights(own=403, other=403)
OWNED_READ = rights(other=404)
OWNED_WRITE = rights(planner=403, viewer=403, other=404)
ANSWER = rights(planner=403, viewer=403, other=404)

# (method, path template) -> expected outcome per caller; "own" is the focal point of the country
# owning the object (PHL for the deposit, ledger and proposal; DEU for the withdrawal), "other" is
# JPN's focal point. API.md says viewers read "rounds, proposals, dashboards"; they also read
# postings here, as the round scenario they may read holds every open posting anyway.
RIGHTS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/v1/me"): ANY_ROLE,
    ("GET", "/v1/users"): ADMIN_ONLY,
    ("POST", "/v1/users"): ADMIN_ONLY,
    ("POST", "/v1/users/{user_id}/revoke"): ADMIN_ONLY,
    ("POST", "/v1/users/{user_id}/token"): ADMIN_ONLY,
    ("POST", "/v1/me/token"): ANY_ROLE,
    ("GET", "/v1/countries"): ANY_ROLE,
    ("GET", "/v1/countries/{code}"): ANY_ROLE,
    ("PUT", "/v1/countries/{code}"): ADMIN_ONLY,
    ("GET", "/v1/cadres"): ANY_ROLE,
    ("GET", "/v1/workforce/{country}/{cadre}"): ANY_ROLE,
    # a country's own focal point declares its facts; another country's are 404
    ("PUT", "/v1/workforce/{country}/{cadre}"): rights(viewer=403, other=404),
    ("GET", "/v1/agreements"): ANY_ROLE,
    ("POST", "/v1/agreements"): PLANNER,
    ("GET", "/v1/agreements/{agreement_id}"): ANY_ROLE,
    ("PATCH", "/v1/agreements/{agreement_id}"): PLANNER,
    ("DELETE", "/v1/agreements/{agreement_id}"): PLANNER,
    ("GET", "/v1/deposits"): ANY_ROLE,
    ("POST", "/v1/deposits"): OWNED_WRITE,
    ("GET", "/v1/deposits/{deposit_id}"): OWNED_READ,
    ("PATCH", "/v1/deposits/{deposit_id}"): OWNED_WRITE,
    ("DELETE", "/v1/deposits/{deposit_id}"): OWNED_WRITE,
    ("GET", "/v1/withdrawals"): ANY_ROLE,
    ("POST", "/v1/withdrawals"): OWNED_WRITE,
    ("GET", "/v1/withdrawals/{withdrawal_id}"): OWNED_READ,
    ("PATCH", "/v1/withdrawals/{withdrawal_id}"): OWNED_WRITE,
    ("DELETE", "/v1/withdrawals/{withdrawal_id}"): OWNED_WRITE,
    ("GET", "/v1/rounds"): ANY_ROLE,
    ("POST", "/v1/rounds"): PLANNER,
    ("GET", "/v1/rounds/{round_id}"): ANY_ROLE,
    ("POST", "/v1/rounds/{round_id}/run"): PLANNER,
    ("GET", "/v1/rounds/{round_id}/events"): ANY_ROLE,
    ("GET", "/v1/rounds/{round_id}/scenario"): NO_FOCAL,
    ("GET", "/v1/rounds/{round_id}/result"): ANY_ROLE,
    ("GET", "/v1/rounds/{round_id}/proposals"): ANY_ROLE,
    ("POST", "/v1/rounds/{round_id}/close"): PLANNER,
    ("POST", "/v1/rounds/{round_id}/what-if"): PLANNER,
    ("GET", "/v1/rounds/{round_id}/compare"): NO_FOCAL,
    # placements: "own" is PHL, the world placement's origin; payments are the destination's
    ("GET", "/v1/placements"): ANY_ROLE,
    ("GET", "/v1/placements/{placement_id}"): OWNED_READ,
    ("GET", "/v1/placements/{placement_id}/events"): OWNED_READ,
    ("POST", "/v1/placements/{placement_id}/events"): rights(viewer=403, other=404),
    ("POST", "/v1/placements/{placement_id}/payments"): rights(viewer=403, own=403, other=404),
    ("POST", "/v1/placements/events/import"): rights(viewer=403, other=422),
    ("GET", "/v1/exports/placements"): ANY_ROLE,
    ("GET", "/v1/indicators"): ANY_ROLE,
    ("GET", "/v1/proposals"): ANY_ROLE,
    ("GET", "/v1/proposals/{proposal_id}"): OWNED_READ,
    ("POST", "/v1/proposals/{proposal_id}/accept"): ANSWER,
    ("POST", "/v1/proposals/{proposal_id}/decline"): ANSWER,
    ("GET", "/v1/ledger/{country}"): OWNED_READ,
    ("GET", "/v1/dashboard/summary"): ANY_ROLE,
    ("GET", "/v1/dashboard/flows"): ANY_ROLE,
    ("GET", "/v1/audit"): PLANNER,
    ("GET", "/v1/audit/verify"): ADMIN_ONLY,
    # spreadsheets: a focal point importing for another country is refused with 403 (creating
    # reveals no existing object), unlike POST /v1/deposits which answers 404
    ("POST", "/v1/deposits/import"): rights(planner=403, viewer=403, other=403),
    ("POST", "/v1/withdrawals/import"): rights(planner=403, viewer=403, other=403),
    ("POST", "/v1/postings/import"): rights(planner=403, viewer=403, other=403),
    ("GET", "/v1/templates/{name}"): PUBLIC,
    ("GET", "/v1/exports/rounds/{round_id}/proposals"): ANY_ROLE,
    ("GET", "/v1/exports/flows"): ANY_ROLE,
    ("GET", "/v1/exports/ledger/{country}"): OWNED_READ,
    # the dashboard's static page and files (its data comes from the authenticated API)
    ("GET", "/dashboard"): PUBLIC,
    ("GET", "/dashboard/"): PUBLIC,
    ("GET", "/dashboard/{path:path}"): PUBLIC,
}

OWNER = {"withdrawal": "deu"}
DEPOSITS_CSV = (
    "country,cadre,count,languages,available_from,available_to\n"
    "PHL,2221,5,en:C1;de:B2,2020-01,2099-12\n"
)
WITHDRAWALS_CSV = (
    "country,cadre,count,benefit_usd_per_worker,priority,start_from,start_to\n"
    "DEU,2221,5,3000,3,2020-01,2099-12\n"
)
UPLOADS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("POST", "/v1/deposits/import"): (DEPOSITS_CSV, {"country": "PHL"}),
    ("POST", "/v1/withdrawals/import"): (WITHDRAWALS_CSV, {"country": "DEU"}),
    ("POST", "/v1/postings/import"): (DEPOSITS_CSV, {"country": "PHL", "kind": "deposits"}),
    ("POST", "/v1/placements/events/import"): (
        "placement_id,kind,workers,month\n{placement_id},contract_signed,1,2030-02\n",
        {},
    ),
}
"""Multipart uploads: the file and the query (the owner's country)."""
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/v1/rounds/{round_id}/compare"): {"with": "{round_id}"},
}
"""Required query parameters of a route (their values filled like the path)."""
"""The focal point owning a route's object, by a word of its path (default: PHL's)."""

_names = itertools.count()


def body_for(method: str, path: str) -> Any:
    """A valid body for a write (so that a refusal is about rights, not about the input)."""
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/v1/users"): {"name": f"sweep-{next(_names)}", "role": "viewer"},
        ("PUT", "/v1/countries/{code}"): {"notes": "sweep"},
        ("PUT", "/v1/workforce/{country}/{cadre}"): {"stock": 500_001},
        ("POST", "/v1/agreements"): AGREEMENT,
        ("PATCH", "/v1/agreements/{agreement_id}"): {"notes": "sweep"},
        ("POST", "/v1/deposits"): deposit(),
        ("PATCH", "/v1/deposits/{deposit_id}"): {"count": 11},
        ("POST", "/v1/withdrawals"): withdrawal(),
        ("PATCH", "/v1/withdrawals/{withdrawal_id}"): {"count": 11},
        ("POST", "/v1/rounds"): {"policy": {}},
        ("POST", "/v1/rounds/{round_id}/what-if"): {"policy": {"safeguard_mode": "off"}},
        ("POST", "/v1/placements/{placement_id}/events"): {
            "kind": "contract_signed",
            "workers": 1,
            "month": "2030-01",
        },
        ("POST", "/v1/placements/{placement_id}/payments"): {"amount_usd": 100, "month": "2030-01"},
    }
    return bodies.get((method, path))


def _fresh_agreement(api: Api) -> str:
    return str(api.post("admin", "/v1/agreements", json=AGREEMENT).json()["id"])


def _fresh_deposit(api: Api) -> str:
    return str(api.post("admin", "/v1/deposits", json=deposit()).json()["id"])


def _fresh_withdrawal(api: Api) -> str:
    return str(api.post("admin", "/v1/withdrawals", json=withdrawal()).json()["id"])


FREE_CADRES = itertools.cycle(("2211", "2212", "2222", "2240", "2261", "2262", "3221"))
"""Cadres no world posting has: a fresh round scoped to one holds no posting another live round
holds (API.md: a posting sits in one live round at a time)."""


def _fresh_round(api: Api) -> str:
    body = {"policy": {}, "cadres": [next(FREE_CADRES)]}
    return str(api.post("admin", "/v1/rounds", json=body).json()["id"])


def _fresh_user(api: Api) -> str:
    made = api.post("admin", "/v1/users", json={"name": f"target-{next(_names)}", "role": "viewer"})
    return str(made.json()["id"])


FRESH: dict[str, Callable[[Api], str]] = {
    "user_id": _fresh_user,
    "agreement_id": _fresh_agreement,
    "deposit_id": _fresh_deposit,
    "withdrawal_id": _fresh_withdrawal,
    "round_id": _fresh_round,
}
"""Writes that consume their object (edit, delete, run) get a new one for every caller."""


def needs_fresh(method: str, path: str) -> bool:
    return method in ("PATCH", "DELETE") or path.endswith("/run") or "{user_id}" in path


def keep_new_token(api: Api, who: str | None, path: str, response: Any) -> None:
    """After ``POST /v1/me/token`` the caller's old token is refused: use the new one."""
    if path == "/v1/me/token" and response.status_code == 200 and who in api.tokens:
        api.tokens[who] = response.json()["token"]


def fill(path: str, ids: dict[str, Any]) -> str:
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)  # {path:path} -> {path}
    try:
        return path.format(**ids)
    except KeyError as exc:  # a new path parameter: give the world an object for it
        raise AssertionError(f"{path}: no value for path parameter {exc}") from exc


def call(world: World, who: str, method: str, path: str) -> tuple[int, str]:
    api = world.api
    ids = dict(world.ids)
    if needs_fresh(method, path):
        for name, make in FRESH.items():
            if "{" + name + "}" in path:
                ids[name] = make(api)
    url = fill(path, ids)
    headers: dict[str, str] = {}
    if method in ("PATCH", "DELETE"):
        got = api.get("admin", url)
        headers["If-Match"] = got.headers.get("ETag", '"1"')
    token: str | None = {
        "anon": None,
        "bad": "not-a-token",
        "own": next((v for k, v in OWNER.items() if k in path), "phl"),
        "other": "jpn",
    }.get(who, who)
    body = body_for(method, path)
    if method == "POST" and path == "/v1/withdrawals" and who == "other":
        body = withdrawal()  # DEU's withdrawal, posted by JPN's focal point
    kw = request_kwargs(method, path, headers, body, ids)
    query = QUERIES.get((method, path))
    if query is not None:
        kw["params"] = {k: fill(v, ids) for k, v in query.items()}
    r = api.request(token, method, url, **kw)
    keep_new_token(api, token, path, r)
    return r.status_code, r.headers.get("content-type", "")


def request_kwargs(
    method: str, path: str, headers: dict[str, str], body: Any, ids: dict[str, Any] | None = None
) -> dict[str, Any]:
    kw: dict[str, Any] = {"headers": headers}
    upload = UPLOADS.get((method, path))
    if upload is not None:
        content, params = upload
        content = content.format(**(ids or {}))
        kw["files"] = {"file": ("postings.csv", content.encode(), "text/csv")}
        kw["params"] = params
    elif body is not None:
        kw["json"] = body
    return kw


def outcome_ok(method: str, status: int) -> bool:
    if method == "GET":
        return status == 200
    return 200 <= status < 300 or status == 409  # 409: the object's state, not a refusal


def test_sweep_every_route_every_caller(world: World) -> None:
    routes = app_routes(world.api.client.app)  # type: ignore[arg-type]
    missing = [(r.method, r.path) for r in routes if (r.method, r.path) not in RIGHTS]
    assert not missing, f"routes without rights in RIGHTS (add them): {missing}"
    order = {"GET": 0, "PUT": 1, "POST": 2, "PATCH": 3, "DELETE": 5}

    def rank(method: str, path: str) -> tuple[int, str]:
        if path.endswith("/close"):
            return (4, path)
        return (order.get(method, 2), path)

    wrong: list[str] = []
    probes = refused = 0
    for r in sorted(routes, key=lambda r: rank(r.method, r.path)):
        expected = RIGHTS[(r.method, r.path)]
        for who in CALLERS:
            status, ctype = call(world, who, r.method, r.path)
            probes += 1
            want = expected[who]
            if status >= 500:
                wrong.append(f"{r.method} {r.path} as {who}: {status} (server error)")
            elif want == OK:
                if not outcome_ok(r.method, status):
                    wrong.append(f"{r.method} {r.path} as {who}: {status}, expected success")
            else:
                refused += 1
                if status != want:
                    wrong.append(f"{r.method} {r.path} as {who}: {status}, expected {want}")
                elif "problem+json" not in ctype:
                    wrong.append(f"{r.method} {r.path} as {who}: {status} is not problem+json")
    assert not wrong, "\n".join(wrong)
    assert probes == len(routes) * len(CALLERS)
    log.info(f"authz sweep: {len(routes)} routes, {probes} probes, {refused} refusals as expected")


@pytest.mark.parametrize("method", sorted(MUTATING))
def test_mutating_routes_are_never_public(method: str) -> None:
    """No write is open to an anonymous caller (a guard on the table itself)."""
    for (m, path), expected in RIGHTS.items():
        if m == method:
            assert expected["anon"] == 401, path
