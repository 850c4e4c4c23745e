"""Cached pages of postings (api.listing): every change shows at once, whoever makes it.

The pages are cached under the postings' revision, which database triggers move. These tests
change postings through each path a change can take (the API, a round's close, a direct database
write as another process or a script would make) and check that the next list shows it; and
that the cache never crosses audiences or outlives a token.
"""

from __future__ import annotations

from sqlalchemy import text, update
from sqlmodel import Session

from api.listing import PageCache
from exchange.identity.tables import User
from exchange.postings.tables import Deposit
from exchange.revisions.service import postings_revision
from tests.api.conftest import Api, deposit, make_round


def _ids(api: Api, who: str, url: str = "/v1/deposits") -> list[str]:
    r = api.get(who, url)
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()["data"]]


def test_api_writes_show_in_the_next_page(api: Api) -> None:
    assert _ids(api, "viewer") == []
    first = api.post("phl", "/v1/deposits", json=deposit()).json()
    assert _ids(api, "viewer") == [first["id"]]
    patched = api.patch(
        "phl", f"/v1/deposits/{first['id']}", json={"count": 4}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert api.get("viewer", "/v1/deposits").json()["data"][0]["count"] == 4
    api.delete("phl", f"/v1/deposits/{first['id']}", headers={"If-Match": '"2"'})
    assert api.get("viewer", "/v1/deposits").json()["data"][0]["status"] == "withdrawn"


def test_a_write_outside_the_app_shows_in_the_next_page(api: Api) -> None:
    made = api.post("phl", "/v1/deposits", json=deposit()).json()
    assert api.get("viewer", "/v1/deposits").json()["data"][0]["remaining"] == 10
    with Session(api.engine) as session:  # another process, a script: not through this app
        session.execute(update(Deposit).where(Deposit.id == made["id"]).values(remaining=3))
        session.commit()
    assert api.get("viewer", "/v1/deposits").json()["data"][0]["remaining"] == 3
    with api.engine.begin() as conn:  # plain SQL too
        conn.execute(text("UPDATE deposits SET remaining = 2"))
    assert api.get("viewer", "/v1/deposits").json()["data"][0]["remaining"] == 2


def test_closing_a_round_shows_in_the_next_page(api: Api) -> None:
    rnd = make_round(api)
    before = api.get("viewer", "/v1/withdrawals").json()["data"][0]["remaining"]
    proposals = api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]
    assert proposals
    for p in proposals:
        assert api.post("phl", f"/v1/proposals/{p['id']}/accept").status_code == 200
        assert api.post("deu", f"/v1/proposals/{p['id']}/accept").status_code == 200
    assert api.post("planner", f"/v1/rounds/{rnd['id']}/close").status_code == 200
    after = api.get("viewer", "/v1/withdrawals").json()["data"][0]
    assert after["remaining"] == before - sum(p["count"] for p in proposals)


def test_pages_do_not_cross_audiences(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit())
    api.post("npl", "/v1/deposits", json=deposit("NPL"))
    assert len(_ids(api, "viewer")) == 2  # cached for everyone who sees all countries
    assert len(_ids(api, "phl")) == 1
    assert len(_ids(api, "deu")) == 0
    assert len(_ids(api, "planner")) == 2


def test_a_cached_page_still_needs_a_live_token(api: Api) -> None:
    api.post("phl", "/v1/deposits", json=deposit())
    assert api.get("viewer", "/v1/deposits").status_code == 200
    with Session(api.engine) as session:
        session.execute(update(User).where(User.name == "viewer").values(active=False))
        session.commit()
    assert api.get("viewer", "/v1/deposits").status_code == 401
    assert api.get(None, "/v1/deposits").status_code == 401
    assert api.get("not-a-token", "/v1/deposits").status_code == 401


def test_the_revision_moves_with_every_change_of_postings(api: Api) -> None:
    with api.engine.connect() as conn:  # the tests empty every table, this one's row too
        start = postings_revision(conn) or 0
    api.post("phl", "/v1/deposits", json=deposit())
    with api.engine.connect() as conn:
        after_insert = postings_revision(conn)
    assert after_insert is not None
    assert after_insert > start
    api.get("viewer", "/v1/deposits")  # reading does not move it
    with api.engine.connect() as conn:
        assert postings_revision(conn) == after_insert


def test_the_page_cache_evicts_the_least_recently_used_within_its_bytes() -> None:
    cache = PageCache(max_bytes=6)
    cache.put(("a",), b"11")
    cache.put(("b",), b"22")
    assert cache.get(("a",)) == b"11"  # "a" is now the most recent
    cache.put(("c",), b"33")
    cache.put(("a",), b"11")  # replacing a page does not count it twice
    assert cache.get(("b",)) == b"22"
    cache.put(("d",), b"4444")  # 8 bytes with a and b: the least recently used go
    assert cache.get(("c",)) is None
    assert cache.get(("a",)) is None
    assert (cache.get(("b",)), cache.get(("d",))) == (b"22", b"4444")
    cache.put(("e",), b"1234567")  # larger than the whole budget: not kept
    assert cache.get(("e",)) is None


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = PageCache(max_bytes=0)
    cache.put(("a",), b"1")
    assert cache.get(("a",)) is None
