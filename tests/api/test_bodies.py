"""Bodies reach the services as sent: what clients see of them stays the same (operation ids,
named schemas), the order of checks holds (shape, role, meaning), and a PATCH without If-Match
still names the body's problems with the missing header."""

from __future__ import annotations

from api.operation_ids import OPERATION_IDS
from tests.api.conftest import Api, deposit, withdrawal

POSTING_OPERATIONS = {
    ("/v1/deposits", "get"): "list_deposits_v1_deposits_get",
    ("/v1/deposits", "post"): "post_deposit_v1_deposits_post",
    ("/v1/deposits/{deposit_id}", "get"): "get_deposit_v1_deposits__deposit_id__get",
    ("/v1/deposits/{deposit_id}", "patch"): "patch_deposit_v1_deposits__deposit_id__patch",
    ("/v1/deposits/{deposit_id}", "delete"): "delete_deposit_v1_deposits__deposit_id__delete",
    ("/v1/withdrawals", "get"): "list_withdrawals_v1_withdrawals_get",
    ("/v1/withdrawals", "post"): "post_withdrawal_v1_withdrawals_post",
    ("/v1/withdrawals/{withdrawal_id}", "get"): "get_withdrawal_v1_withdrawals__withdrawal_id__get",
    (
        "/v1/withdrawals/{withdrawal_id}",
        "patch",
    ): "patch_withdrawal_v1_withdrawals__withdrawal_id__patch",
    (
        "/v1/withdrawals/{withdrawal_id}",
        "delete",
    ): "delete_withdrawal_v1_withdrawals__withdrawal_id__delete",
}
NAMED_BODIES = {
    ("/v1/deposits", "post"): "DepositCreate",
    ("/v1/withdrawals", "post"): "WithdrawalCreate",
    ("/v1/agreements", "post"): "AgreementCreate",
    ("/v1/countries/{code}", "put"): "CountryUpsert",
    ("/v1/workforce/{country}/{cadre}", "put"): "WorkforceUpdate",
    ("/v1/rounds", "post"): "RoundCreate",
    ("/v1/users", "post"): "UserCreate",
}


def test_the_operations_and_body_schemas_clients_see_are_unchanged(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    for path, method in POSTING_OPERATIONS:  # their ids: the table of api/operation_ids.py
        assert paths[path][method]["operationId"] == OPERATION_IDS[(method.upper(), path)]
    for (path, method), name in NAMED_BODIES.items():
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}"}
        assert name in document["components"]["schemas"]
    patch = paths["/v1/deposits/{deposit_id}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "if-match")
    assert if_match["required"] is True
    assert if_match["schema"]["type"] == "string"
    update = patch["requestBody"]["content"]["application/json"]["schema"]
    assert update["description"].startswith("A PATCH of a deposit")
    assert "country" not in update["properties"]
    assert update["additionalProperties"] is False


def test_a_body_of_the_wrong_shape_is_422_before_the_role_then_the_role_before_meaning(
    api: Api,
) -> None:
    typed_wrong = api.post("viewer", "/v1/deposits", json=deposit(count="many"))
    assert typed_wrong.status_code == 422, typed_wrong.text
    assert {tuple(e["loc"]) for e in typed_wrong.json()["errors"]} == {("body", "count")}
    meaning_wrong = api.post("viewer", "/v1/withdrawals", json=withdrawal(cadre="9999"))
    assert meaning_wrong.status_code == 403, meaning_wrong.text
    not_an_object = api.post("phl", "/v1/deposits", json=[deposit()])
    assert not_an_object.status_code == 422
    assert [e["loc"] for e in not_an_object.json()["errors"]] == [["body"]]
    assert api.get("admin", "/v1/deposits").json()["count"] == 0


def test_an_agreement_patch_without_if_match_names_the_bodys_problems_too(api: Api) -> None:
    body = {"origin": "PHL", "destination": "DEU", "valid_from": "2026-01", "valid_to": "2030-12"}
    created = api.post("planner", "/v1/agreements", json=body).json()
    url = f"/v1/agreements/{created['id']}"
    assert api.patch("planner", url, json={"g2g": True}).status_code == 428
    both = api.patch("planner", url, json={"g2g": "yes", "valid_from": "2026-13", "zzz": 1})
    assert both.status_code == 422, both.text
    assert {tuple(e["loc"]) for e in both.json()["errors"]} == {
        ("header", "if-match"),
        ("body", "g2g"),
        ("body", "valid_from"),
        ("body", "zzz"),
    }
    assert api.get("planner", url).json()["version"] == 1


def test_a_withdrawal_patch_without_if_match_is_checked_without_reaching_the_posting(
    api: Api,
) -> None:
    created = api.post("phl", "/v1/withdrawals", json=withdrawal(country="PHL")).json()
    url = f"/v1/withdrawals/{created['id']}"
    # another country's posting: the body alone is checked, the posting is not revealed
    bad = api.patch("deu", url, json={"priority": 9})
    assert bad.status_code == 422, bad.text
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {
        ("header", "if-match"),
        ("body", "priority"),
    }
    assert api.patch("deu", url, json={"priority": 2}).status_code == 428
