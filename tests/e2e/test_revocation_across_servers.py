"""Two real server processes on one PostgreSQL database: a token revoked or replaced through one
is refused at once by the other, which had just served it (no process keeps a token or a user)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from exchange.db import make_engine
from exchange.migrate import upgrade
from tests.api.conftest import seed
from tests.conftest import ENGINES, _create_pg_database, _drop_pg_database
from tests.servers import UVICORN_FACTORY, ServerProcess

pytestmark = pytest.mark.e2e


def status(base: str, token: str, path: str = "/v1/me") -> int:
    r = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return r.status_code


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL tests are off")
def test_a_revoked_or_replaced_token_is_refused_by_every_server(tmp_path: Path) -> None:
    url = _create_pg_database()
    servers: list[ServerProcess] = []
    try:
        upgrade(url)
        engine = make_engine(url)
        tokens = seed(engine)
        engine.dispose()
        env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp_path)}
        servers = [
            ServerProcess(UVICORN_FACTORY, env=env, log=tmp_path / f"server{i}.log")
            for i in range(2)
        ]
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        a, b = (server.base for server in servers)
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        for base in (a, b):  # both servers serve both tokens (and fill their list caches)
            for who in ("phl", "viewer"):
                assert status(base, tokens[who]) == 200
                assert status(base, tokens[who], "/v1/deposits") == 200

        phl = httpx.get(f"{a}/v1/me", headers={"Authorization": f"Bearer {tokens['phl']}"}).json()
        rotated = httpx.post(f"{a}/v1/users/{phl['user_id']}/token", headers=admin, timeout=30)
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["token"]
        for base in (b, a):
            assert status(base, tokens["phl"]) == 401
            assert status(base, tokens["phl"], "/v1/deposits") == 401
            assert status(base, new) == 200

        viewer = httpx.get(
            f"{b}/v1/me", headers={"Authorization": f"Bearer {tokens['viewer']}"}
        ).json()
        revoked = httpx.post(f"{b}/v1/users/{viewer['user_id']}/revoke", headers=admin, timeout=30)
        assert revoked.status_code == 200, revoked.text
        for base in (a, b):
            assert status(base, tokens["viewer"]) == 401
            assert status(base, tokens["viewer"], "/v1/deposits") == 401

        own = httpx.post(f"{a}/v1/me/token", headers={"Authorization": f"Bearer {new}"}, timeout=30)
        assert own.status_code == 200, own.text
        assert status(b, new) == 401
        assert status(b, own.json()["token"]) == 200
    finally:
        for server in servers:
            server.stop()
        _drop_pg_database(url)
