"""Migrations build the whole schema from an empty database, and go down and up again."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from exchange.db import make_engine
from exchange.migrate import current_revision, downgrade, upgrade
from exchange.tables import metadata
from tests.exchange.schema_drift import drift


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= names
        assert current_revision(engine) is not None
    finally:
        engine.dispose()


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    downgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert not set(metadata.tables) & set(inspect(engine).get_table_names())
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    """No drift between the models and the migrations (tables, columns, indexes, keys)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert drift(conn) == []
    finally:
        engine.dispose()


def _back_at_head_without_round(database_url: str, round_id: int) -> None:
    """Upgrade to the head again and remove the round a migration test made, with its documents."""
    upgrade(database_url)
    cleanup = make_engine(database_url)
    with cleanup.begin() as conn:
        conn.execute(text("DELETE FROM round_documents WHERE round_id = :id"), {"id": round_id})
        conn.execute(text("DELETE FROM rounds WHERE id = :id"), {"id": round_id})
    cleanup.dispose()


def test_round_documents_move_out_of_the_rounds_row_and_back(database_url: str) -> None:
    """0005 carries existing snapshots and results over (and its downgrade carries them back)."""
    downgrade(database_url, "0004")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rounds (id, status, policy, scenario, result, attempts, version,"
                    " created_at) VALUES (7, 'proposed', '{}', :scenario, :result, 0, 1,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"scenario": '{"as_of": "2026-11"}', "result": '{"status": "OPTIMAL"}'},
            )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT kind, body FROM round_documents WHERE round_id = 7 ORDER BY kind")
            ).all()
        bodies = {kind: json.loads(body) if isinstance(body, str) else body for kind, body in rows}
        assert bodies == {"result": {"status": "OPTIMAL"}, "scenario": {"as_of": "2026-11"}}
        downgrade(database_url, "0004")
        with engine.connect() as conn:
            scenario = conn.execute(text("SELECT scenario FROM rounds WHERE id = 7")).scalar()
        assert (json.loads(scenario) if isinstance(scenario, str) else scenario) == {
            "as_of": "2026-11"
        }
    finally:
        engine.dispose()
        _back_at_head_without_round(database_url, 7)


def test_round_documents_become_text_and_back(database_url: str) -> None:
    """0006 keeps every document, byte for byte, as it changes the column from JSON to text (and
    its downgrade back); on PostgreSQL the column stays lz4-compressed where the server has lz4."""
    document = '{"as_of":"2026-11","policy":{"seed":7},"deposits":[{"id":"d1","count":3}]}'
    downgrade(database_url, "0005")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rounds (id, status, policy, attempts, version, created_at)"
                    " VALUES (8, 'running', '{}', 0, 1, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text("INSERT INTO round_documents VALUES (8, 'scenario', :body)"),
                {"body": document},
            )
        upgrade(database_url)
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT body FROM round_documents WHERE round_id = 8")
            ).scalar()
            if engine.dialect.name == "postgresql":
                kind, compression = conn.execute(
                    text(
                        "SELECT data_type, (SELECT attcompression FROM pg_attribute"
                        " WHERE attrelid = 'round_documents'::regclass AND attname = 'body')"
                        " FROM information_schema.columns"
                        " WHERE table_name = 'round_documents' AND column_name = 'body'"
                    )
                ).one()
                lz4 = conn.execute(
                    text(
                        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
                        " AND 'lz4' = ANY(enumvals)"
                    )
                ).first()
                assert kind == "text"
                assert compression == ("l" if lz4 else "")
        assert stored == document
        downgrade(database_url, "0005")
        with engine.connect() as conn:
            back = conn.execute(
                text("SELECT body FROM round_documents WHERE round_id = 8")
            ).scalar()
        assert (json.loads(back) if isinstance(back, str) else back) == json.loads(document)
    finally:
        engine.dispose()
        _back_at_head_without_round(database_url, 8)
