"""ETag and If-Match through HTTP: every response carrying a versioned object names its version
as ETag, and If-Match follows RFC 9110 (``*``, weak tags, lists).
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Api, deposit, make_round, withdrawal

AGREEMENT = {
    "id": "a-phl-deu",
    "origin": "PHL",
    "destination": "DEU",
    "valid_from": "2020-01",
    "valid_to": "2099-12",
}


def _tagged(r: httpx.Response) -> str:
    """The response's ETag, checked against the version in its body."""
    assert r.is_success, r.text
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    return r.headers["etag"]


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        ("phl", "/v1/deposits", deposit()),
        ("deu", "/v1/withdrawals", withdrawal()),
        ("planner", "/v1/agreements", AGREEMENT),
    ],
)
def test_delete_returns_the_etag_of_what_it_left(
    api: Api, who: str, path: str, body: dict[str, object]
) -> None:
    location = api.post(who, path, json=body).headers["location"]
    r = api.delete(who, location, headers={"If-Match": '"1"'})
    assert _tagged(r) == '"2"'


def test_workforce_get_and_put_return_their_etag(api: Api) -> None:
    url = "/v1/workforce/PHL/2221"
    current = _tagged(api.get("viewer", url))
    assert current == '"1"'
    r = api.put("planner", url, json={"stock": 1}, headers={"If-Match": current})
    assert _tagged(r) == '"2"'
    assert api.put(
        "planner", url, json={"stock": 2}, headers={"If-Match": current}
    ).status_code == (412)
    assert _tagged(api.put("planner", url, json={"stock": 3})) == '"3"'
    unknown = "/v1/workforce/DEU/2221"  # nothing known yet: version 0
    assert _tagged(api.get("viewer", unknown)) == '"0"'
    assert _tagged(api.put("planner", unknown, json={"stock": 7}, headers={"If-Match": "0"})) == (
        '"1"'
    )


def test_rounds_and_proposals_return_their_etag(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("deu", "/v1/withdrawals", json=withdrawal())
    created = api.post("planner", "/v1/rounds", json={"policy": {}})
    _tagged(created)
    _tagged(api.post("planner", f"{created.headers['location']}/run"))
    rid = make_round(api, post=False)["id"]
    _tagged(api.get("viewer", f"/v1/rounds/{rid}"))
    proposal = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"][0]
    url = f"/v1/proposals/{proposal['id']}"
    assert _tagged(api.get("phl", url)) == '"1"'
    assert _tagged(api.post("phl", f"{url}/accept")) == '"2"'
    assert _tagged(api.post("deu", f"{url}/decline")) == '"3"'
