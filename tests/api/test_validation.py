"""One answer names every problem of a posting body, whoever finds it (FastAPI or the service);
malformed JSON says where, a body not sent as JSON is a 415."""

from __future__ import annotations

import json

from tests.api.conftest import Api, deposit, withdrawal


def _problems(response) -> dict[tuple, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}


def test_type_name_and_meaning_problems_of_a_deposit_come_together(api: Api) -> None:
    body = deposit(
        country="XXX", cadre="9999", count="many", available_from="2027-13", colour="blue"
    )
    found = _problems(api.post("admin", "/v1/deposits", json=body))
    assert set(found) == {
        ("body", "colour"),  # unknown field (FastAPI)
        ("body", "count"),  # wrong type (FastAPI)
        ("body", "country"),  # unknown country (service)
        ("body", "cadre"),  # unknown cadre (service)
        ("body", "available_from"),  # bad month (service)
    }
    assert found[("body", "colour")] == "unknown field"
    assert api.get("admin", "/v1/deposits").json()["count"] == 0


def test_meaning_problems_alone_are_located_under_body(api: Api) -> None:
    found = _problems(
        api.post("admin", "/v1/withdrawals", json=withdrawal(country="XXX", priority=9, count=0))
    )
    assert set(found) == {("body", "country"), ("body", "priority"), ("body", "count")}
    assert api.get("admin", "/v1/withdrawals").json()["count"] == 0


def test_patch_reports_every_problem_and_changes_nothing(api: Api) -> None:
    created = api.post("phl", "/v1/deposits", json=deposit()).json()
    patch = {"count": -1, "languages": {"en": "Z9"}, "modalities": "remote", "size": 3}
    found = _problems(
        api.patch("phl", f"/v1/deposits/{created['id']}", json=patch, headers={"If-Match": '"1"'})
    )
    assert {("body", "size"), ("body", "modalities"), ("body", "count")} <= set(found)
    assert any(loc[:2] == ("body", "languages") for loc in found)
    assert api.get("phl", f"/v1/deposits/{created['id']}").json()["count"] == created["count"]


def test_agreement_body_problems_come_together(api: Api) -> None:
    body = {
        "origin": "XXX",
        "destination": "DEU",
        "g2g": "perhaps",
        "valid_from": "2026-13",
        "valid_to": "2030-12",
        "colour": "red",
    }
    found = _problems(api.post("planner", "/v1/agreements", json=body))
    assert {("body", "g2g"), ("body", "colour"), ("body", "origin"), ("body", "valid_from")} <= set(
        found
    )


def test_round_body_problems_come_together(api: Api) -> None:
    body = {
        "name": ["not", "a", "name"],  # wrong type (FastAPI)
        "policy": {"safeguard_mode": "lax", "colour": 1},  # bad and unknown policy fields
        "countries": ["XXX", "DEU"],  # unknown country (service)
        "cadres": ["9999"],  # unknown cadre (service)
        "size": 3,  # unknown field (FastAPI)
    }
    found = _problems(api.post("planner", "/v1/rounds", json=body))
    assert {
        ("body", "name"),
        ("body", "size"),
        ("body", "policy", "safeguard_mode"),
        ("body", "policy", "colour"),
        ("body", "countries", 0),
        ("body", "cadres", 0),
    } <= set(found)
    assert ("body", "countries", 1) not in found
    assert api.get("planner", "/v1/rounds").json()["count"] == 0


def test_user_body_problems_come_together(api: Api) -> None:
    body = {"name": "", "role": "chief", "country": "XXX", "colour": "red"}
    found = _problems(api.post("admin", "/v1/users", json=body))
    assert {("body", "name"), ("body", "role"), ("body", "country"), ("body", "colour")} <= set(
        found
    )
    typed = _problems(api.post("admin", "/v1/users", json={"name": 5, "role": "focal_point"}))
    assert {("body", "name"), ("body", "country")} <= set(typed)  # type, then the missing country


def test_country_and_workforce_body_problems_come_together(api: Api) -> None:
    country = {"licensing_languages": {"de": "Z9"}, "aaah_member": "maybe", "colour": 1}
    found = _problems(api.put("admin", "/v1/countries/DEU", json=country))
    assert {("body", "aaah_member"), ("body", "colour")} <= set(found)
    assert any(loc[:2] == ("body", "licensing_languages") for loc in found)
    workforce = {"stock": -5, "positive_list": "sometimes"}
    found = _problems(api.put("planner", "/v1/workforce/PHL/2221", json=workforce))
    assert {("body", "stock"), ("body", "positive_list")} <= set(found)


def test_a_patch_names_unknown_fields_with_problems_across_stored_fields(api: Api) -> None:
    body = {"origin": "PHL", "destination": "DEU", "valid_from": "2026-01", "valid_to": "2030-12"}
    agreement = api.post("planner", "/v1/agreements", json=body).json()
    url = f"/v1/agreements/{agreement['id']}"
    patch = {"zzz": 2, "valid_to": "2025-01", "g2g": "yes"}
    found = _problems(api.patch("planner", url, json=patch, headers={"If-Match": '"1"'}))
    assert set(found) == {("body", "zzz"), ("body", "g2g"), ("body", "valid_from")}
    assert found[("body", "valid_from")] == "2026-01 is after valid_to 2025-01"
    created = api.post("phl", "/v1/deposits", json=deposit()).json()
    patch = {"size": 3, "available_from": "2100-01", "count": True}
    found = _problems(
        api.patch("phl", f"/v1/deposits/{created['id']}", json=patch, headers={"If-Match": '"1"'})
    )
    assert set(found) == {("body", "size"), ("body", "count"), ("body", "available_from")}


def test_a_patch_of_another_countrys_posting_is_404_whatever_its_body(api: Api) -> None:
    created = api.post("phl", "/v1/deposits", json=deposit()).json()
    response = api.patch(
        "deu",
        f"/v1/deposits/{created['id']}",
        json={"size": 3, "available_from": "2100-01"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 404, response.text


def test_every_policy_problem_comes_at_once(api: Api) -> None:
    policy = {"safeguard_mode": "lax", "seed": -1, "colour": 1, "max_depletion_share": 2}
    found = _problems(api.post("planner", "/v1/rounds", json={"policy": policy}))
    assert set(found) == {("body", "policy", name) for name in policy}


def test_malformed_json_says_where_and_why(api: Api) -> None:
    r = api.post(
        "phl",
        "/v1/deposits",
        content=b'{"country": "PHL",, }',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "loc": ["body"],
            "msg": "malformed JSON at character 18:"
            " Expecting property name enclosed in double quotes",
        }
    ]


def test_a_body_not_sent_as_json_is_415_naming_the_media_type(api: Api) -> None:
    body = json.dumps(deposit()).encode()
    for sent, named in (
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),  # curl -d
        (None, "none"),
    ):
        headers = {"Content-Type": sent} if sent else {}
        r = api.post("phl", "/v1/deposits", content=body, headers=headers)
        assert r.status_code == 415, (sent, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["Accept"] == "application/json"
        assert f"Content-Type: application/json (got {named})" in r.json()["detail"]
    # JSON types with parameters or a +json suffix are JSON; nothing was created by the refusals
    ok = api.post(
        "phl",
        "/v1/deposits",
        content=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201
    assert len(api.get("phl", "/v1/deposits").json()["data"]) == 1
    # documented on every operation taking a JSON body
    spec = api.get(None, "/openapi.json").json()
    assert "415" in spec["paths"]["/v1/deposits"]["post"]["responses"]
    assert "415" not in spec["paths"]["/v1/deposits/import"]["post"]["responses"]  # a file upload


def test_an_edit_of_a_field_fixed_at_creation_says_so(api: Api) -> None:
    created = api.post("phl", "/v1/deposits", json=deposit()).json()
    patch = {"country": "DEU", "id": "other", "colour": "blue"}
    found = _problems(
        api.patch("phl", f"/v1/deposits/{created['id']}", json=patch, headers={"If-Match": '"1"'})
    )
    assert found[("body", "country")].startswith("cannot be changed: withdraw this posting")
    assert found[("body", "id")].startswith("cannot be changed")
    assert found[("body", "colour")] == "unknown field"
    agreement = api.post(
        "planner",
        "/v1/agreements",
        json={
            "origin": "PHL",
            "destination": "DEU",
            "valid_from": "2026-01",
            "valid_to": "2030-12",
        },
    ).json()
    found = _problems(
        api.patch(
            "planner",
            f"/v1/agreements/{agreement['id']}",
            json={"id": "renamed"},
            headers={"If-Match": '"1"'},
        )
    )
    assert found == {
        ("body", "id"): "cannot be changed: an agreement keeps the id it was recorded with"
    }


def test_a_new_country_without_a_name_is_told_with_the_bodys_other_problems(api: Api) -> None:
    found = _problems(api.put("admin", "/v1/countries/ZZZ", json={"foo": 1, "aaah_member": "no"}))
    assert found == {
        ("body", "foo"): "unknown field",
        ("body", "aaah_member"): "Input should be a valid boolean",
        ("body", "name"): "a new country needs a name",
    }
    # an existing country needs none; a malformed code is its own problem, not a missing name
    assert api.put("admin", "/v1/countries/PHL", json={"aaah_member": True}).status_code == 200
    found = _problems(api.put("admin", "/v1/countries/ZZ", json={"foo": 1}))
    assert ("body", "name") not in found
