"""``GET /v1/audit/verify``: admins check the hash chain; a tampered event is named."""

from __future__ import annotations

from sqlalchemy import text

from exchange.audit.chain import GENESIS
from exchange.audit.guard import install_guard, remove_guard
from tests.api.conftest import Api, deposit


def test_an_intact_chain_then_a_tampered_event(api: Api) -> None:
    made = api.post("phl", "/v1/deposits", json=deposit(count=10))
    assert made.status_code == 201, made.text
    dep_id = made.json()["id"]
    patched = api.patch(
        "phl", made.headers["Location"], json={"count": 12}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text

    r = api.get("admin", "/v1/audit/verify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["intact"] is True
    assert body["first_break"] is None
    assert body["events"] >= 3  # the seeded users and the deposit's two writes
    assert body["head"] != GENESIS
    assert len(body["head"]) == 64

    with api.engine.begin() as connection:  # an attacker with DDL rights edits history
        remove_guard(connection)
        connection.execute(
            text("UPDATE audit_events SET after = NULL WHERE action = 'deposit.update'")
        )
        install_guard(connection)
    tampered_id = api.get("planner", f"/v1/audit?entity_id={dep_id}").json()["data"][1]["id"]
    broken = api.get("admin", "/v1/audit/verify").json()
    assert broken["intact"] is False
    assert broken["first_break"]["id"] == tampered_id
    assert "hash" in broken["first_break"]["reason"]


def test_only_admins_verify(api: Api) -> None:
    for who in ("planner", "viewer", "phl"):
        assert api.get(who, "/v1/audit/verify").status_code == 403
    assert api.get(None, "/v1/audit/verify").status_code == 401
