"""Every mutating route (POST/PUT/PATCH/DELETE in ``app.routes``) leaves exactly one audit event
per successful call, none when refused, none when an idempotent replay creates nothing.

Closing a round also records one ``deposit.placed`` / ``withdrawal.placed`` event per posting it
books (derived events of the same unit of work); the close itself is exactly one ``round.close``.
"""

from __future__ import annotations

import logging
from typing import Any

from tests.api.conftest import Api, deposit, make_round, withdrawal
from tests.reliability.conftest import (
    World,
    audit_actions_after,
    audit_count,
    last_audit_id,
)
from tests.reliability.routes import MUTATING, app_routes
from tests.reliability.test_authz import (
    FREE_CADRES,
    FRESH,
    OK,
    RIGHTS,
    body_for,
    fill,
    keep_new_token,
    needs_fresh,
    request_kwargs,
)

log = logging.getLogger(__name__)
DERIVED = frozenset({"deposit.placed", "withdrawal.placed"})
PREFERRED = ("own", "planner", "admin")


def _fresh_proposal(api: Api) -> str:
    cadre = next(FREE_CADRES)  # a round of its own cadre: it holds no other live round's posting
    assert api.post("phl", "/v1/deposits", json=deposit(cadre=cadre)).status_code == 201
    assert api.post("deu", "/v1/withdrawals", json=withdrawal(cadre=cadre)).status_code == 201
    rid = make_round(api, post=False, cadres=[cadre])["id"]
    rows = api.get("planner", f"/v1/rounds/{rid}/proposals?status=pending").json()["data"]
    mine = [p for p in rows if p["origin"] == "PHL"]
    assert mine, rows
    return str(mine[0]["id"])


def _caller(path: str, rights: dict[str, Any]) -> str:
    who = next(w for w in PREFERRED if rights[w] == OK)
    if who == "own":
        return "deu" if "withdrawal" in path else "phl"
    return who


def test_every_mutating_route_writes_exactly_one_audit_event(world: World) -> None:
    api = world.api
    routes = [r for r in app_routes(api.client.app) if r.method in MUTATING]  # type: ignore[arg-type]
    assert routes
    # the close books the world's proposal: confirm it first
    pid = world.ids["proposal_id"]
    assert api.post("admin", f"/v1/proposals/{pid}/accept").status_code == 200
    wrong: list[str] = []
    checked = 0
    for r in sorted(routes, key=lambda r: (r.path.endswith("/close"), r.method, r.path)):
        rights = RIGHTS[(r.method, r.path)]
        who = _caller(r.path, rights)
        ids = dict(world.ids)
        if needs_fresh(r.method, r.path):
            for name, make in FRESH.items():
                if "{" + name + "}" in r.path:
                    ids[name] = make(api)
        if "/v1/proposals/" in r.path:
            ids["proposal_id"] = _fresh_proposal(api)
        url = fill(r.path, ids)
        headers: dict[str, str] = {}
        if r.method in ("PATCH", "DELETE"):
            headers["If-Match"] = api.get("admin", url).headers["ETag"]
        body = body_for(r.method, r.path)
        kw = request_kwargs(r.method, r.path, headers, body, ids)
        before = last_audit_id(api.engine)
        resp = api.request(who, r.method, url, **kw)
        keep_new_token(api, who, r.path, resp)
        if not 200 <= resp.status_code < 300:
            wrong.append(f"{r.method} {r.path} as {who}: {resp.status_code} {resp.text[:200]}")
            continue
        actions = audit_actions_after(api.engine, before)
        own = [a for a in actions if a not in DERIVED]
        if len(own) != 1:
            wrong.append(f"{r.method} {r.path}: {len(own)} audit events {actions}")
        if r.path.endswith("/close"):
            booked = len(resp.json()["booked"])
            assert booked == 1
            derived = sorted(a for a in actions if a in DERIVED)
            if derived != ["deposit.placed", "withdrawal.placed"]:
                wrong.append(f"close: derived events {actions}")
        checked += 1
    assert not wrong, "\n".join(wrong)
    log.info(f"audit: {checked} mutating routes, one audit event each")


def test_refused_and_replayed_writes_leave_no_audit_event(world: World) -> None:
    api = world.api
    n = audit_count(api.engine)
    assert api.post("viewer", "/v1/deposits", json=deposit()).status_code == 403
    assert api.post("jpn", "/v1/deposits", json=deposit()).status_code == 404
    assert api.post("planner", f"/v1/rounds/{world.ids['round_id']}/run").status_code == 409
    assert audit_count(api.engine) == n
    headers = {"Idempotency-Key": "audit-replay-1"}
    assert api.post("phl", "/v1/deposits", json=deposit(), headers=headers).status_code == 201
    assert audit_count(api.engine) == n + 1
    assert api.post("phl", "/v1/deposits", json=deposit(), headers=headers).status_code == 201
    assert audit_count(api.engine) == n + 1
