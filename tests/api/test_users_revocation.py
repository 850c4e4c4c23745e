"""Revoking users and replacing tokens through HTTP: the old token is 401 at once (the list
routes' own authentication included), the new one works, every change is audited without the
token's hash, and the exchange always keeps an active admin."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def user_id(api: Api, who: str) -> int:
    return int(api.get(who, "/v1/me").json()["user_id"])


def events(api: Api, uid: int) -> list[dict[str, Any]]:
    r = api.get("admin", "/v1/audit", params={"entity": "user", "entity_id": str(uid)})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_a_revoked_user_is_refused_at_once(api: Api) -> None:
    uid = user_id(api, "viewer")
    assert api.get("viewer", "/v1/deposits").status_code == 200  # a cached page, keyed by audience
    r = api.post("admin", f"/v1/users/{uid}/revoke")
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert "token" not in r.json()
    for url in ("/v1/me", "/v1/deposits", "/v1/rounds"):
        assert api.get("viewer", url).status_code == 401, url
    revoke, *_ = [e for e in events(api, uid) if e["action"] == "user.revoke"]
    assert revoke["before"]["active"] is True
    assert revoke["after"]["active"] is False
    assert "token_hash" not in revoke["after"]
    assert revoke["actor"].startswith("admin#")
    # again: nothing changes, nothing more is audited
    assert api.post("admin", f"/v1/users/{uid}/revoke").json()["active"] is False
    assert [e["action"] for e in events(api, uid)] == ["user.create", "user.revoke"]
    # and a revoked user gets no new token
    assert api.post("admin", f"/v1/users/{uid}/token").status_code == 409


def test_only_admins_revoke_and_issue_tokens(api: Api) -> None:
    uid = user_id(api, "viewer")
    for who in ("planner", "viewer", "phl"):
        assert api.post(who, f"/v1/users/{uid}/revoke").status_code == 403
        assert api.post(who, f"/v1/users/{uid}/token").status_code == 403
    assert api.post(None, f"/v1/users/{uid}/revoke").status_code == 401
    assert api.post("admin", "/v1/users/999999/revoke").status_code == 404
    assert api.post("admin", "/v1/users/999999/token").status_code == 404
    assert api.post("admin", "/v1/users/abc/revoke").status_code == 422
    assert api.get("viewer", "/v1/me").status_code == 200


def test_the_last_active_admin_cannot_be_revoked(api: Api) -> None:
    admin = user_id(api, "admin")
    r = api.post("admin", f"/v1/users/{admin}/revoke")
    assert r.status_code == 409
    assert "last active admin" in r.json()["detail"]
    made = api.post("admin", "/v1/users", json={"name": "second", "role": "admin"})
    assert made.status_code == 201, made.text
    api.tokens["second"] = made.json()["token"]
    assert api.post("second", f"/v1/users/{admin}/revoke").status_code == 200
    assert api.get("admin", "/v1/me").status_code == 401
    assert api.post("second", f"/v1/users/{made.json()['id']}/revoke").status_code == 409


def test_an_admin_gives_a_user_a_new_token(api: Api) -> None:
    uid = user_id(api, "phl")
    old = api.tokens["phl"]
    r = api.post("admin", f"/v1/users/{uid}/token")
    assert r.status_code == 200, r.text
    new = r.json()["token"]
    assert new != old
    assert r.json()["id"] == uid
    assert r.json()["active"] is True
    assert api.get(old, "/v1/me").status_code == 401
    assert api.get(old, "/v1/deposits").status_code == 401
    assert api.get(new, "/v1/me").json()["country"] == "PHL"
    (issued,) = [e for e in events(api, uid) if e["action"] == "user.token"]
    assert "token_hash" not in issued["after"]
    assert new not in str(issued)
    assert old not in str(issued)


def test_every_user_replaces_its_own_token(api: Api) -> None:
    for who in ("viewer", "phl", "planner", "admin"):
        old = api.tokens[who]
        r = api.post(who, "/v1/me/token")
        assert r.status_code == 200, r.text
        new = r.json()["token"]
        assert api.get(old, "/v1/me").status_code == 401
        assert api.get(new, "/v1/me").status_code == 200
        assert r.json()["name"] == who
        api.tokens[who] = new
    assert api.post(None, "/v1/me/token").status_code == 401
    uid = user_id(api, "viewer")
    (issued,) = [e for e in events(api, uid) if e["action"] == "user.token"]
    assert issued["actor"] == f"viewer#{uid}"
