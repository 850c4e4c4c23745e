"""Every operation of the OpenAPI document has its short, stable id from ``api.operation_ids``
(a new route without a row there fails here), the ids are unique, and every operation has tags
that the document describes."""

from __future__ import annotations

import re
from functools import cache

from api.app import create_app
from api.operation_ids import OPERATION_IDS, TAGS
from exchange.db import make_engine

ID = re.compile(r"^[a-z]+(-[a-z]+)+$")


@cache
def operations() -> dict[tuple[str, str], dict[str, object]]:
    """The operations of the app's OpenAPI document (no database needed to build it)."""
    engine = make_engine("sqlite:///:memory:")
    spec = create_app(engine=engine).openapi()
    engine.dispose()
    return {
        (method.upper(), path): op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }


def test_every_operation_has_its_id_from_the_table() -> None:
    ops = operations()
    missing = sorted(key for key in ops if key not in OPERATION_IDS)
    assert not missing, f"add these operations to api/operation_ids.py: {missing}"
    stale = sorted(key for key in OPERATION_IDS if key not in ops)
    assert not stale, f"rows of api/operation_ids.py without an operation: {stale}"
    wrong = {
        key: op["operationId"] for key, op in ops.items() if op["operationId"] != OPERATION_IDS[key]
    }
    assert not wrong


def test_ids_are_short_unique_and_tags_described() -> None:
    ids = list(OPERATION_IDS.values())
    assert len(ids) == len(set(ids))
    assert all(ID.match(i) and len(i) <= 24 for i in ids), ids
    described = {tag["name"] for tag in TAGS}
    used: set[str] = set()
    for key, op in operations().items():
        tags = op.get("tags")
        assert isinstance(tags, list), f"{key} has no tags"
        assert tags, f"{key} has no tags"
        used |= set(tags)
    assert used == described
    assert ("POST", "/v1/rounds") in OPERATION_IDS
    assert OPERATION_IDS["POST", "/v1/rounds"] == "rounds-create"
    assert OPERATION_IDS["POST", "/v1/rounds/{round_id}/run"] == "rounds-run"
    assert OPERATION_IDS["POST", "/v1/proposals/{proposal_id}/accept"] == "proposals-accept"
