"""The OpenAPI ``operationId`` of every operation, in one table, and the tags' descriptions.

Generated clients name their functions after operation ids (``rounds_create``, not FastAPI's
``post_round_v1_rounds_post``), so the ids are short, stable and written down here, keyed by
(method, path), rather than derived from function names that a refactoring may change. The app
applies the table through FastAPI's ``generate_unique_id_function`` (``create_app``), so no router
names its ids and edits to routers never touch this file, except to add a row for a new route:
``tests/api/test_operation_ids.py`` fails for an operation without one. An id is
``<resource>-<verb>``; once published, it does not change.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "health-check",
    # users
    ("GET", "/v1/me"): "me-get",
    ("POST", "/v1/me/token"): "me-token",
    ("GET", "/v1/users"): "users-list",
    ("POST", "/v1/users"): "users-create",
    ("POST", "/v1/users/{user_id}/revoke"): "users-revoke",
    ("POST", "/v1/users/{user_id}/token"): "users-token",
    # reference data
    ("GET", "/v1/countries"): "countries-list",
    ("GET", "/v1/countries/{code}"): "countries-get",
    ("PUT", "/v1/countries/{code}"): "countries-put",
    ("GET", "/v1/cadres"): "cadres-list",
    ("GET", "/v1/workforce/{country}/{cadre}"): "workforce-get",
    ("PUT", "/v1/workforce/{country}/{cadre}"): "workforce-put",
    # agreements
    ("GET", "/v1/agreements"): "agreements-list",
    ("POST", "/v1/agreements"): "agreements-create",
    ("GET", "/v1/agreements/{agreement_id}"): "agreements-get",
    ("PATCH", "/v1/agreements/{agreement_id}"): "agreements-update",
    ("DELETE", "/v1/agreements/{agreement_id}"): "agreements-delete",
    # postings
    ("GET", "/v1/deposits"): "deposits-list",
    ("POST", "/v1/deposits"): "deposits-create",
    ("GET", "/v1/deposits/{deposit_id}"): "deposits-get",
    ("PATCH", "/v1/deposits/{deposit_id}"): "deposits-update",
    ("DELETE", "/v1/deposits/{deposit_id}"): "deposits-delete",
    ("POST", "/v1/deposits/import"): "deposits-import",
    ("GET", "/v1/withdrawals"): "withdrawals-list",
    ("POST", "/v1/withdrawals"): "withdrawals-create",
    ("GET", "/v1/withdrawals/{withdrawal_id}"): "withdrawals-get",
    ("PATCH", "/v1/withdrawals/{withdrawal_id}"): "withdrawals-update",
    ("DELETE", "/v1/withdrawals/{withdrawal_id}"): "withdrawals-delete",
    ("POST", "/v1/withdrawals/import"): "withdrawals-import",
    ("POST", "/v1/postings/import"): "postings-import",
    ("GET", "/v1/templates/{name}"): "templates-get",
    # rounds
    ("GET", "/v1/rounds"): "rounds-list",
    ("POST", "/v1/rounds"): "rounds-create",
    ("GET", "/v1/rounds/{round_id}"): "rounds-get",
    ("POST", "/v1/rounds/{round_id}/run"): "rounds-run",
    ("GET", "/v1/rounds/{round_id}/events"): "rounds-events",
    ("GET", "/v1/rounds/{round_id}/scenario"): "rounds-scenario",
    ("GET", "/v1/rounds/{round_id}/result"): "rounds-result",
    ("GET", "/v1/rounds/{round_id}/proposals"): "rounds-proposals",
    ("POST", "/v1/rounds/{round_id}/close"): "rounds-close",
    ("POST", "/v1/rounds/{round_id}/what-if"): "rounds-what-if",
    ("GET", "/v1/rounds/{round_id}/compare"): "rounds-compare",
    # placements and indicators
    ("GET", "/v1/placements"): "placements-list",
    ("GET", "/v1/placements/{placement_id}"): "placements-get",
    ("GET", "/v1/placements/{placement_id}/events"): "placements-events-list",
    ("POST", "/v1/placements/{placement_id}/events"): "placements-events-add",
    ("POST", "/v1/placements/{placement_id}/payments"): "placements-payments-add",
    ("POST", "/v1/placements/events/import"): "placements-events-import",
    ("GET", "/v1/exports/placements"): "exports-placements",
    ("GET", "/v1/indicators"): "indicators-get",
    # proposals
    ("GET", "/v1/proposals"): "proposals-list",
    ("GET", "/v1/proposals/{proposal_id}"): "proposals-get",
    ("POST", "/v1/proposals/{proposal_id}/accept"): "proposals-accept",
    ("POST", "/v1/proposals/{proposal_id}/decline"): "proposals-decline",
    # ledger, dashboard, exports
    ("GET", "/v1/ledger/{country}"): "ledger-get",
    ("GET", "/v1/dashboard/summary"): "dashboard-summary",
    ("GET", "/v1/dashboard/flows"): "dashboard-flows",
    ("GET", "/v1/exports/rounds/{round_id}/proposals"): "exports-proposals",
    ("GET", "/v1/exports/flows"): "exports-flows",
    ("GET", "/v1/exports/ledger/{country}"): "exports-ledger",
    # audit
    ("GET", "/v1/audit"): "audit-list",
    ("GET", "/v1/audit/verify"): "audit-verify",
}
"""(method, path) -> operationId, for every operation of the OpenAPI document."""

TAGS: list[dict[str, str]] = [
    {"name": "health", "description": "Whether the server and its database are ready."},
    {"name": "users", "description": "Users, roles and bearer tokens."},
    {"name": "reference", "description": "Countries, cadres and workforce facts."},
    {"name": "agreements", "description": "Government-to-government agreements."},
    {"name": "deposits", "description": "Origins' surplus health workers."},
    {"name": "withdrawals", "description": "Destinations' positions."},
    {"name": "spreadsheets", "description": "Imports, templates and exports (CSV, XLSX)."},
    {"name": "rounds", "description": "Matching rounds: create, run, follow, close."},
    {"name": "proposals", "description": "Proposed matches, accepted or declined by both sides."},
    {"name": "placements", "description": "Booked workers followed over time: events, payments."},
    {"name": "indicators", "description": "WHO monitoring indicators (bilateral agreements)."},
    {"name": "ledger", "description": "Booked workers and benefits, per country."},
    {"name": "dashboard", "description": "Summaries and flows."},
    {"name": "audit", "description": "The tamper-evident log of every write."},
]
"""The tags operations are grouped by, with their descriptions (OpenAPI ``tags``)."""


def operation_id(route: APIRoute) -> str:
    """The route's id from ``OPERATION_IDS``; FastAPI's default for a route not in the table
    (the test of the table fails for it)."""
    methods = sorted(route.methods or ())
    if len(methods) == 1:
        known = OPERATION_IDS.get((methods[0], route.path_format))
        if known is not None:
            return known
    return generate_unique_id(route)
