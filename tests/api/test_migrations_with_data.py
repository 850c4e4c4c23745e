"""Migrations down and up again over a database in use: rounds, proposals, a closed round's ledger.

Some migrations rebuild tables on SQLite (copy, drop, rename); with rows referring to those tables
(proposals to rounds, ledger entries to proposals) that must neither fail nor lose a row.
"""

from __future__ import annotations

from sqlalchemy import text

from exchange.migrate import downgrade, upgrade
from tests.api.conftest import Api, make_round

TABLES = ("rounds", "proposals", "ledger_entries", "round_events", "deposits", "withdrawals")


def _counts(api: Api) -> dict[str, int]:
    with api.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def test_down_to_the_first_revision_and_up_again_keeps_every_row(api: Api) -> None:
    rnd = make_round(api)
    for p in api.get("planner", f"/v1/rounds/{rnd['id']}/proposals").json()["data"]:
        assert api.post("phl", f"/v1/proposals/{p['id']}/accept").status_code == 200
        assert api.post("deu", f"/v1/proposals/{p['id']}/accept").status_code == 200
    assert api.post("planner", f"/v1/rounds/{rnd['id']}/close").status_code == 200
    result = api.get("planner", f"/v1/rounds/{rnd['id']}/result").json()
    scenario = api.get("planner", f"/v1/rounds/{rnd['id']}/scenario").json()
    before = _counts(api)
    assert before["ledger_entries"] > 0
    url = api.engine.url.render_as_string(hide_password=False)
    api.engine.dispose()
    try:
        downgrade(url, "0001")
        upgrade(url)
    finally:
        upgrade(url)  # whatever happened, the next tests get the current schema
    assert _counts(api) == before
    assert api.get("planner", f"/v1/rounds/{rnd['id']}/result").json() == result
    assert api.get("planner", f"/v1/rounds/{rnd['id']}/scenario").json() == scenario
    ledger = api.get("viewer", "/v1/ledger/PHL")
    assert ledger.status_code == 200, ledger.text
    assert ledger.json()["count"] > 0
