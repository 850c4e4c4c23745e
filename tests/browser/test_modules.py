"""The dashboard's pure functions, imported as ES modules in Chromium from the running server:
hash routes, reading form values as the API takes them, PATCH bodies, what a close books, the
round's request body with the spec's policy defaults, a proposal's legal basis in words, a
decline's body, proposals by status, the changes a comparison shows, and what the indicators'
charts draw."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


@pytest.fixture
def modules(page: Any, server: Server) -> Any:
    page.goto(f"{server.base}/dashboard")
    page.get_by_label("Bearer token").wait_for()
    return page


def run(page: Any, module: str, body: str, arg: Any = None) -> Any:
    """Evaluate ``body`` (an expression of ``m``, the module, and ``arg``) in the page."""
    script = (
        f"async (arg) => {{ const m = await import('/dashboard/js/{module}'); return {body}; }}"
    )
    return page.evaluate(script, arg)


@pytest.mark.parametrize(
    ("hash_", "route"),
    [
        ("", {"view": "rounds", "id": None, "kind": None, "mode": None, "country": None}),
        ("#/rounds/12", {"view": "rounds", "id": 12, "kind": None, "mode": None, "country": None}),
        ("#/rounds/new?country=phl", {"view": "new-round", "country": "PHL"}),
        ("#/agreements/a-npl-gbr", {"view": "agreements", "mode": "edit", "id": "a-npl-gbr"}),
        ("#/agreements/new", {"view": "agreements", "mode": "new", "id": None}),
        ("#/postings/new/deposits", {"view": "postings", "mode": "new", "kind": "deposits"}),
        ("#/postings/withdrawals/w%201", {"view": "postings", "mode": "edit", "id": "w 1"}),
        ("#/workforce?country=NPL", {"view": "workforce", "country": "NPL"}),
        ("#/compare/3", {"view": "compare", "id": 3, "other": None}),
        ("#/compare/3/7?country=NPL", {"view": "compare", "id": 3, "other": 7, "country": "NPL"}),
        ("#/countries", {"view": "countries", "month": None}),
        ("#/countries/2021-06", {"view": "countries", "month": "2021-06"}),
        ("#/indicators", {"view": "indicators", "from": None, "to": None}),
        (
            "#/indicators?from=2025-01&to=2025-06&country=phl",
            {"view": "indicators", "from": "2025-01", "to": "2025-06", "country": "PHL"},
        ),
        ("#/nowhere", {"view": "rounds", "id": None}),
    ],
)
def test_hash_routes_parse_and_print_back(modules: Any, hash_: str, route: dict[str, Any]) -> None:
    parsed = run(modules, "router.js", "m.parse(arg)", hash_)
    assert {k: parsed[k] for k in route} == route
    if hash_ not in ("", "#/nowhere"):
        again = run(modules, "router.js", "m.parse(m.href(m.parse(arg), m.parse(arg)))", hash_)
        assert again == parsed


def test_form_values_are_read_as_the_api_takes_them(modules: Any) -> None:
    script = """(() => {
      const specs = [
        {name: "count", type: "int"}, {name: "ratio", type: "number"},
        {name: "langs", type: "levels"}, {name: "quotas", type: "quotas"},
        {name: "codes", type: "list", upper: true}, {name: "flag", type: "bool"},
        {name: "empty", type: "int"}, {name: "bad", type: "int"}, {name: "worse", type: "levels"},
      ];
      const { fields } = m.buildFields(specs);
      const set = (name, value) => { fields.get(name).input.value = value; };
      set("count", "1,200"); set("ratio", "0.05"); set("langs", "EN:b2; de=B1");
      set("quotas", "2221:500; 2240: 20"); set("codes", "npl; phl,idn"); set("bad", "5.5");
      set("worse", "english"); fields.get("flag").input.checked = true;
      return m.readValues(fields);
    })()"""
    result = run(modules, "forms.js", script)
    assert result["values"] == {
        "count": 1200,
        "ratio": 0.05,
        "langs": {"en": "B2", "de": "B1"},
        "quotas": {"2221": 500, "2240": 20},
        "codes": ["NPL", "PHL", "IDN"],
        "flag": True,
        "empty": None,
    }
    assert result["problems"] == [
        {"loc": ["body", "bad"], "msg": '"5.5" is not a whole number'},
        {"loc": ["body", "worse"], "msg": '"english" is not a language and level such as en:B2'},
    ]


def test_a_patch_sends_only_what_changed(modules: Any) -> None:
    base = {"count": 4, "languages": {"de": "B1", "en": "B2"}, "notes": None, "priority": 1}
    values = {"count": 4, "languages": {"en": "B2", "de": "B1"}, "notes": None, "priority": 3}
    body = run(
        modules,
        "forms.js",
        "m.changedValues(arg.values, arg.base)",
        {"values": values, "base": base},
    )
    assert body == {"priority": 3}


def test_what_a_close_books(modules: Any) -> None:
    proposals = [
        {
            "status": "confirmed",
            "origin": "NPL",
            "destination": "GBR",
            "cadre": "2221",
            "count": 3,
            "benefit_usd_per_worker": 2000,
        },
        {
            "status": "confirmed",
            "origin": "NPL",
            "destination": "GBR",
            "cadre": "2221",
            "count": 2,
            "benefit_usd_per_worker": 1000,
        },
        {
            "status": "accepted_by_origin",
            "origin": "PHL",
            "destination": "DEU",
            "cadre": "2221",
            "count": 9,
            "benefit_usd_per_worker": 5000,
        },
        {
            "status": "pending",
            "origin": "PHL",
            "destination": "DEU",
            "cadre": "2221",
            "count": 1,
            "benefit_usd_per_worker": 0,
        },
        {
            "status": "declined",
            "origin": "PHL",
            "destination": "JPN",
            "cadre": "5321",
            "count": 7,
            "benefit_usd_per_worker": 0,
        },
    ]
    summary = run(modules, "closing.js", "m.closingSummary(arg)", proposals)
    assert summary == {
        "confirmed": 2,
        "workers": 5,
        "benefit": 8000,
        "expire": 2,
        "routes": [{"key": "NPL → GBR · 2221", "proposals": 2, "workers": 5, "benefit": 8000}],
    }


def test_a_new_rounds_body_keeps_the_policy_and_drops_an_empty_scope(modules: Any) -> None:
    defaults = run(modules, "newround.js", "m.POLICY_DEFAULTS")
    assert defaults == {
        "safeguard_mode": "strict",
        "benefit_floor_ratio": 0,
        "max_depletion_share": None,
        "language_months_per_level": 6,
        "pair_minimum_benefit_usd": 0,
        "time_limit_s": 30,
        "seed": 0,
    }
    values = {**defaults, "name": "", "countries": [], "cadres": ["2221"]}
    body = run(modules, "newround.js", "m.roundBody(arg)", values)
    policy = {k: v for k, v in defaults.items() if v is not None}
    assert body == {"policy": policy, "cadres": ["2221"]}


def test_a_rounds_body_carries_as_of_and_answer_by_when_given(modules: Any) -> None:
    values = {"as_of": "2024-01", "answer_by": "2027-01-31T12:00:00.000Z", "countries": []}
    body = run(modules, "newround.js", "m.roundBody(arg)", values)
    assert body["as_of"] == "2024-01"
    assert body["answer_by"] == "2027-01-31T12:00:00.000Z"
    specs = run(modules, "newround.js", "m.ROUND_SPECS.map((s) => [s.name, s.options])")
    modes = dict(specs)["safeguard_mode"]
    assert [value for value, _ in modes] == ["strict", "code"]  # off: what-ifs only


def test_a_date_and_time_is_sent_in_iso_8601(modules: Any) -> None:
    script = """(() => {
      const specs = [{name: "at", type: "datetime"}, {name: "bad", type: "datetime"}];
      const { fields } = m.buildFields(specs);
      fields.get("at").input.value = "2027-01-31T12:00";
      return [m.readValues(fields), fields.get("at").input.type,
        new Date("2027-01-31T12:00").toISOString()];
    })()"""
    result, kind, iso = run(modules, "forms.js", script)
    assert kind == "datetime-local"
    assert result["values"] == {"at": iso, "bad": None}


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        (
            {
                "origin_listed": True,
                "g2g_agreement_id": "agr-npl-gbr-g2g",
                "positive_listed": True,
                "recognition_agreement_id": None,
            },
            "origin on the WHO safeguards list; opened by G2G agreement agr-npl-gbr-g2g; "
            "cadre on the origin's positive list",
        ),
        (
            {
                "origin_listed": False,
                "g2g_agreement_id": None,
                "positive_listed": None,
                "recognition_agreement_id": "agr-deu-phl",
            },
            "origin not on the WHO safeguards list; qualification recognised under agreement "
            "agr-deu-phl",
        ),
        (
            {"origin_listed": True, "g2g_agreement_id": None, "positive_listed": None},
            "origin on the WHO safeguards list",
        ),
        (None, "–"),
    ],
)
def test_the_legal_basis_in_plain_words(modules: Any, basis: Any, words: str) -> None:
    assert run(modules, "basis.js", "m.basisText(arg)", basis) == words


def test_proposals_by_status_and_decline_bodies(modules: Any) -> None:
    counts = {"expired": 2, "declined": 1, "pending": 3, "confirmed": 0}
    assert run(modules, "basis.js", "m.statusCounts(arg)", counts) == (
        "3 pending · 1 declined · 2 expired"
    )
    assert run(modules, "basis.js", "m.statusCounts(arg)", None) == ""
    assert run(modules, "decline.js", "m.declineBody('timing', '  later  ')") == {
        "reason": "timing",
        "note": "later",
    }
    assert run(modules, "decline.js", "m.declineBody('', ' ')") == {}
    assert run(modules, "basis.js", "m.reasonWords('capacity')") == "Capacity to receive or release"


def test_a_comparisons_changes_and_policy_differences(modules: Any) -> None:
    assert run(modules, "compare.js", "[240, -10, 0, null].map((n) => m.signed(n))") == [
        "+240",
        "−10",
        "0",
        "–",
    ]
    changes = run(
        modules,
        "compare.js",
        "m.policyChanges(arg.a, arg.b)",
        {"a": {}, "b": {"safeguard_mode": "off", "max_depletion_share": 0.05}},
    )
    assert changes == [
        "Safeguards: strict → off",
        "Depletion cap (share of stock): – → 0.05",
    ]


def test_the_indicators_charts_data_and_query(modules: Any) -> None:
    placements = [
        {"origin": "PHL", "destination": "DEU", "workers": 3, "booked_month": "2025-02",
         "stages": {"returned": 1}},
        {"origin": "PHL", "destination": "DEU", "workers": 2, "booked_month": "2025-02",
         "stages": {"returned": 0}},
        {"origin": "NPL", "destination": "GBR", "workers": 5, "booked_month": "2025-04",
         "stages": {"returned": 0}},
        {"origin": "NPL", "destination": "GBR", "workers": 7, "booked_month": "2024-12",
         "stages": {"returned": 2}},
    ]  # fmt: skip
    script = """(() => {
      const flows = m.flowsOverTime(arg, "2025-01", "2025-06");
      return {months: flows.months,
              routes: flows.routes.map((r) => [r.route, Object.fromEntries(r.months)])};
    })()"""
    assert run(modules, "indicators.js", script, placements) == {
        "months": ["2025-02", "2025-04"],
        "routes": [
            ["NPL→GBR", {"2025-04": {"placed": 5, "returned": 0}}],
            ["PHL→DEU", {"2025-02": {"placed": 5, "returned": 1}}],
        ],
    }
    indicators = [
        {"id": "workers_by_route", "rows": []},
        {"id": "investment", "rows": [
            {"by": "origin", "origin": "PHL", "promised_usd": 900, "delivered_usd": 300},
            {"by": "agreement", "origin": None, "agreement_id": "a", "promised_usd": 900,
             "delivered_usd": 300},
            {"by": "origin", "origin": "NPL", "promised_usd": 100, "delivered_usd": 0},
        ]},
    ]  # fmt: skip
    assert run(modules, "indicators.js", "m.benefitByOrigin(arg)", indicators) == [
        {"origin": "NPL", "promised": 100, "delivered": 0},
        {"origin": "PHL", "promised": 900, "delivered": 300},
    ]
    route = {"from": "2025-01", "to": None, "country": "PHL"}
    assert run(modules, "indicators.js", "m.indicatorsQuery(arg, 'xlsx')", route) == (
        "/v1/indicators?from=2025-01&country=PHL&format=xlsx"
    )
    assert run(modules, "indicators.js", "m.indicatorsQuery({})") == "/v1/indicators"
