"""Where a database's schema stands (``schema_state``), the refusal of any schema but the head, and
upgrades started by several processes at once; each test on a database of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from exchange.migrate import (
    SchemaNotCurrent,
    head_revision,
    require_current_schema,
    schema_state,
    upgrade,
)
from tests.exchange.schema_drift import drift


def test_a_database_never_migrated_has_no_schema(empty_engine: Engine) -> None:
    state = schema_state(empty_engine)
    assert state.revision is None
    assert not state.current
    assert state.head == head_revision()
    advice = state.advice()
    assert advice is not None
    assert "no hrhx schema" in advice
    assert "hrhx db upgrade" in advice
    with pytest.raises(SchemaNotCurrent, match="hrhx db upgrade"):
        require_current_schema(empty_engine)


def test_after_the_upgrade_the_schema_is_current(empty_url: str, empty_engine: Engine) -> None:
    upgrade(empty_url)
    state = schema_state(empty_engine)
    assert state.current
    assert state.revision == head_revision()
    assert state.advice() is None
    require_current_schema(empty_engine)  # does not raise


def test_an_older_schema_is_named_with_the_command_that_fixes_it(
    empty_url: str, empty_engine: Engine
) -> None:
    upgrade(empty_url, "0005")
    with pytest.raises(SchemaNotCurrent) as refused:
        require_current_schema(empty_engine)
    message = str(refused.value)
    assert "revision 0005" in message
    assert head_revision() in message
    assert "hrhx db upgrade" in message


def test_a_schema_from_a_newer_hrhx_is_not_taken_for_an_older_one(
    empty_url: str, empty_engine: Engine
) -> None:
    upgrade(empty_url)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SchemaNotCurrent) as refused:
        require_current_schema(empty_engine)
    message = str(refused.value)
    assert "0099" in message
    assert "newer hrhx" in message
    assert f"hrhx db downgrade {head_revision()}" in message


def test_upgrades_started_at_once_migrate_the_database_once(
    empty_url: str, empty_engine: Engine
) -> None:
    """Three processes run ``hrhx db upgrade`` on one new database at once (as servers started with
    ``--migrate`` do): each succeeds, the later ones finding the schema current, and the schema is
    built exactly once."""
    env = {**os.environ, "DATABASE_URL": empty_url}
    command = [sys.executable, "-m", "api.cli", "db", "upgrade"]
    starters = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [starter.communicate(timeout=120)[0].decode() for starter in starters]
    assert [starter.returncode for starter in starters] == [0, 0, 0], outputs
    assert schema_state(empty_engine).current
    with empty_engine.connect() as conn:
        assert drift(conn) == []
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
