"""ETag and If-Match through HTTP: every response carrying a versioned object names its version
as ETag, and If-Match follows RFC 9110 (``*``, weak tags, lists).
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Api, deposit, withdrawal

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
    api.solve()
    rid = created.json()["id"]
    _tagged(api.get("viewer", f"/v1/rounds/{rid}"))
    proposal = api.get("planner", f"/v1/rounds/{rid}/proposals").json()["data"][0]
    url = f"/v1/proposals/{proposal['id']}"
    assert _tagged(api.get("phl", url)) == '"1"'
    assert _tagged(api.post("phl", f"{url}/accept")) == '"2"'
    assert _tagged(api.post("deu", f"{url}/decline")) == '"3"'


def _patch(api: Api, url: str, if_match: str, count: int = 11) -> httpx.Response:
    return api.patch("phl", url, json={"count": count}, headers={"If-Match": if_match})


def test_if_match_star_weak_tags_and_lists(api: Api) -> None:
    url = api.post("phl", "/v1/deposits", json=deposit()).headers["location"]
    assert _tagged(_patch(api, url, "*")) == '"2"'  # any current version
    weak = _patch(api, url, 'W/"2"')  # weak tags never match under If-Match
    assert weak.status_code == 412, weak.text
    assert weak.headers["content-type"].startswith("application/problem+json")
    assert _patch(api, url, '"1", W/"2", "7"').status_code == 412
    assert _tagged(_patch(api, url, '"1", "2"')) == '"3"'  # one listed version is current
    assert _tagged(_patch(api, url, '"3",')) == '"4"'  # empty list elements are ignored
    assert api.get("phl", url).json()["count"] == 11
    assert _tagged(api.delete("phl", url, headers={"If-Match": " * "})) == '"5"'


@pytest.mark.parametrize("garbage", ["abc", '"x"', '"2', '*, "2"', "W/2", '""', ",", "2.0"])
def test_unreadable_if_match_is_422(api: Api, garbage: str) -> None:
    url = api.post("phl", "/v1/deposits", json=deposit()).headers["location"]
    r = _patch(api, url, garbage)
    assert r.status_code == 422, (garbage, r.text)
    assert r.json()["errors"] == [
        {"loc": ["header", "If-Match"], "msg": "a version number is expected"}
    ]
    assert api.patch("phl", url, json={"count": 11}).status_code == 428
    assert api.get("phl", url).json()["version"] == 1


def test_if_match_star_needs_the_object(api: Api) -> None:
    assert _patch(api, "/v1/deposits/nope", "*").status_code == 404
    body = {"name": "Thailand"}
    star = {"If-Match": "*"}
    assert api.put("admin", "/v1/countries/THA", json=body, headers=star).status_code == 412
    assert api.put(
        "admin", "/v1/countries/THA", json=body, headers={"If-Match": "1"}
    ).status_code == (412)
    assert _tagged(api.put("admin", "/v1/countries/THA", json=body)) == '"1"'
    assert _tagged(api.put("admin", "/v1/countries/THA", json=body, headers=star)) == '"2"'
    agreement = api.post("planner", "/v1/agreements", json=AGREEMENT).headers["location"]
    r = api.delete("planner", agreement, headers={"If-Match": 'W/"1", "1"'})
    assert _tagged(r) == '"2"'
    # a workforce fact nothing is known of is answered as version 0: * may create it
    unknown = "/v1/workforce/NPL/2221"
    assert _tagged(api.put("planner", unknown, json={"stock": 5}, headers=star)) == '"1"'
