"""Starting the real server (``hrhx serve``) on a database that is not ready yet: servers started
with ``--migrate`` on a new PostgreSQL database at once all come up on the migrated schema; a
server started without it refuses, naming the command to run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from exchange.db import make_engine
from exchange.migrate import head_revision, schema_state
from tests.conftest import ENGINES, _create_pg_database, _drop_pg_database
from tests.servers import ROOT, ServerProcess

pytestmark = pytest.mark.e2e


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL tests are off")
def test_servers_started_with_migrate_at_once_share_one_new_database(tmp_path: Path) -> None:
    url = _create_pg_database()
    env = {"DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp_path)}
    servers = [
        ServerProcess(
            ["-m", "api.cli", "serve", "--migrate"], env=env, log=tmp_path / f"server{i}.log"
        )
        for i in range(2)
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
            health = httpx.get(f"{server.base}/healthz").json()
            assert health["schema"] == {"revision": head_revision(), "current": True}
        engine = make_engine(url)
        assert schema_state(engine).current
        engine.dispose()
    finally:
        for server in servers:
            server.stop()
        _drop_pg_database(url)


def test_a_server_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'new.sqlite3').as_posix()}"
    env = {**os.environ, "DATABASE_URL": url, "HRHX_DATA_DIR": str(tmp_path)}
    refused = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "hrhx serve: not run" in refused.stderr
    assert "hrhx db upgrade" in refused.stderr
