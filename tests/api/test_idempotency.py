"""Idempotency-Key through HTTP: a replay is the first response (status, body, ETag, Location)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, deposit, withdrawal

POSTINGS = [("phl", "/v1/deposits", deposit()), ("deu", "/v1/withdrawals", withdrawal())]


@pytest.mark.parametrize(("who", "path", "body"), POSTINGS)
def test_a_replay_is_the_first_response(
    api: Api, who: str, path: str, body: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "same"}
    first = api.post(who, path, json=body, headers=key)
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == '"1"'
    assert first.headers["location"] == f"{path}/{first.json()['id']}"
    assert "idempotent-replayed" not in first.headers
    again = api.post(who, path, json=body, headers=key)
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert api.get(who, path).json()["count"] == 1


def test_a_replay_after_an_edit_is_still_the_first_response(api: Api) -> None:
    key = {"Idempotency-Key": "edited"}
    first = api.post("phl", "/v1/deposits", json=deposit(), headers=key)
    location = first.headers["location"]
    assert api.patch("phl", location, json={"count": 12}, headers={"If-Match": '"1"'}).is_success
    again = api.post("phl", "/v1/deposits", json=deposit(), headers=key)
    assert again.json() == first.json()
    assert again.headers["etag"] == '"1"'  # the first response's, not the object's current one
