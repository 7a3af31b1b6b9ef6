"""The stateless quality tools: the calculator pages and the API endpoints behind DESIGN.md §9.

Reference numbers: Montgomery, Introduction to Statistical Quality Control, Example 7.1 (orange-juice
cans, p-chart trial and revised limits) and OpenStax Introductory Statistics §10.3 (hives medication,
two-proportion test, p-value 0.1404).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

# Montgomery, ISQC Example 7.1: 30 samples of 50 cans, defectives per sample.
ORANGE_JUICE = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
]
ORANGE_JUICE += [13, 9, 6]
ORANGE_JUICE_TEXT = "\n".join(f"{defectives}, 50" for defectives in ORANGE_JUICE)

REASONS_TEXT = "Long queue, 120\nIVR maze, 60\nDropped calls, 20"


@pytest.fixture
def agent_client(client, personas):
    """Any signed-in user may use the tools: an agent, who has no TQM role at all."""
    client.force_login(personas[Role.AGENT])
    return client


def _svg_texts(html: str) -> list[str]:
    return re.findall(r"<!-- (.*?) -->", html, re.S)


def _row_cells(html: str, table_testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{table_testid}">(.*?)</table>', html, re.S)[1]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in rows
    ]


# --- Pages: who, and the index ------------------------------------------------------------------

PAGES = ["tqm:calculators", "tqm:pareto_calculator", "tqm:p_chart_calculator", "tqm:effect_test_calculator"]


@pytest.mark.parametrize("name", PAGES)
def test_every_signed_in_user_may_use_the_tools(client, personas, name):
    client.force_login(personas["no_role"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="error"' not in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_index_links_the_three_tools(agent_client):
    html = agent_client.get(reverse("tqm:calculators")).content.decode()
    for name in PAGES[1:]:
        assert f'href="{reverse(name)}"' in html


# --- Pareto page ------------------------------------------------------------------------------


def test_pareto_page_shows_the_table_and_the_chart(agent_client):
    response = agent_client.get(reverse("tqm:pareto_calculator"), {"items": REASONS_TEXT})
    html = response.content.decode()
    assert _row_cells(html, "pareto-table") == [
        ["Long queue", "120", "60.00", "60.00", "Vital few"],
        ["IVR maze", "60", "30.00", "90.00", "Vital few"],
        ["Dropped calls", "20", "10.00", "100.00", ""],
    ]
    assert '<strong data-testid="vital-few">Long queue, IVR maze</strong>' in html
    assert "Total 200." in html
    chart = re.search(r'data-testid="pareto-chart">(.*?)</figure>', html, re.S)[1]
    assert chart.lstrip().startswith("<svg")
    assert {"Long queue", "IVR maze", "Dropped calls", "Pareto chart"} <= set(_svg_texts(chart))


def test_pareto_page_merges_the_tail_into_other_drawn_last(agent_client):
    items = "A, 50\nB, 30\nC, 10\nD, 6\nE, 4"
    html = agent_client.get(
        reverse("tqm:pareto_calculator"), {"items": items, "other_after_percent": "80"}
    ).content.decode()
    assert _row_cells(html, "pareto-table") == [
        ["A", "50", "50.00", "50.00", "Vital few"],
        ["B", "30", "30.00", "80.00", "Vital few"],
        ["Other (merged)", "20", "20.00", "100.00", ""],
    ]


def test_pareto_page_reads_spreadsheet_columns_chinese_commas_and_commas_in_labels(agent_client):
    items = "排队时间长，120\n语音导航\t60\nRefund, late, 20\n\n"
    html = agent_client.get(reverse("tqm:pareto_calculator"), {"items": items}).content.decode()
    assert [row[:2] for row in _row_cells(html, "pareto-table")] == [
        ["排队时间长", "120"],
        ["语音导航", "60"],
        ["Refund, late", "20"],
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"items": "Long queue, -3"}, "items", 'The count of "Long queue" cannot be negative.'),
        ({"items": "Long queue, many"}, "items", 'The count of "Long queue" must be a whole number.'),
        ({"items": "Long queue, 2.5"}, "items", 'The count of "Long queue" must be a whole number.'),
        ({"items": "A, 1\nA, 2"}, "items", 'The category "A" appears more than once.'),
        ({"items": ""}, "items", "Enter at least one category."),
        ({"items": "\n  \n"}, "items", "Enter at least one category."),
        ({"items": "A, 0\nB, 0"}, "items", "All counts are zero: there is nothing to analyse."),
        ({"items": "A, 1\njust a label"}, "items", "Category 2 must be a label and a count."),
        ({"items": ", 4"}, "items", "Category 1 has no label."),
        ({"items": "A, 99999999999"}, "items", "Numbers must be at most 2147483647."),
        (
            {"items": "A, 1", "other_after_percent": "0"},
            "other_after_percent",
            "The threshold for merging into one bar must be more than 0 and at most 100 percent.",
        ),
        (
            {"items": "A, 1", "other_after_percent": "150"},
            "other_after_percent",
            "The threshold for merging into one bar must be more than 0 and at most 100 percent.",
        ),
        ({"items": "A, 1", "other_after_percent": "most"}, "other_after_percent", "Enter a number."),
    ],
)
def test_pareto_page_shows_why_input_is_refused(agent_client, query, field, message):
    response = agent_client.get(reverse("tqm:pareto_calculator"), query)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {field: [message]}
    assert 'data-testid="pareto-result"' not in response.content.decode()


def test_pareto_page_escapes_the_message_and_the_labels(agent_client):
    html = agent_client.get(reverse("tqm:pareto_calculator"), {"items": "<b>x</b>, -1"}).content.decode()
    assert "The count of &quot;&lt;b&gt;x&lt;/b&gt;&quot; cannot be negative." in html
    assert "<b>x</b>" not in html


# --- p-chart page -----------------------------------------------------------------------------


def test_p_chart_page_matches_montgomery_trial_limits(agent_client):
    html = agent_client.get(
        reverse("tqm:p_chart_calculator"), {"samples": ORANGE_JUICE_TEXT}
    ).content.decode()
    assert '<dd data-testid="center-line">0.2313</dd>' in html
    rows = _row_cells(html, "p-chart-table")
    assert len(rows) == 30
    assert rows[0] == ["1", "12", "50", "0.2400", "0.0524", "0.4102", ""]
    assert rows[14] == ["15", "22", "50", "0.4400", "0.0524", "0.4102", "Out of control"]
    assert rows[22][-1] == "Out of control"
    assert re.findall(r'class="row-flagged" data-sample="(\d+)"', html) == ["15", "23"]
    assert "samples 15, 23" in html
    charts = re.findall(r'data-testid="p-chart-chart">(.*?)</figure>', html, re.S)
    assert len(charts) == 1
    texts = _svg_texts(charts[0])
    assert {"p-chart", "UCL = 0.4102", "LCL = 0.0524", "CL = 0.2313", "Out of control"} <= set(texts)


def test_p_chart_page_revises_the_limits_without_the_flagged_samples(agent_client):
    html = agent_client.get(
        reverse("tqm:p_chart_calculator"), {"samples": ORANGE_JUICE_TEXT, "revise": "on"}
    ).content.decode()
    assert '<dd data-testid="revised-center-line">0.2150</dd>' in html
    rows = _row_cells(html, "p-chart-table")
    assert rows[14][4:8] == ["0.0524", "0.4102", "0.0407", "0.3893"]
    assert rows[14][8] == "Out of control, excluded"
    # Sample 21 (20/50 = 0.40) is inside the trial limits but above the revised UCL 0.3893.
    assert rows[20][8] == "Outside revised limits"
    charts = re.findall(r'data-testid="p-chart-chart">(.*?)</figure>', html, re.S)
    assert len(charts) == 2
    assert "UCL = 0.3893" in _svg_texts(charts[1])


def test_p_chart_page_gives_each_sample_its_own_limits(agent_client):
    # p̄ = 30 / 400 = 0.075; n = 100: 0.075 ± 3·√(0.075·0.925/100) = 0.075 ± 0.079017 → LCL 0 (clamped);
    # n = 300: 0.075 ± 0.045621 → 0.0294 .. 0.1206.
    html = agent_client.get(
        reverse("tqm:p_chart_calculator"), {"samples": "10, 100\n20, 300"}
    ).content.decode()
    rows = _row_cells(html, "p-chart-table")
    assert [row[4:6] for row in rows] == [["0.0000", "0.1540"], ["0.0294", "0.1206"]]
    assert '<dd data-testid="center-line">0.0750</dd>' in html


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ("1, 10\n5, 3", "Sample 2 has more defectives than its size (5 of 3)."),
        ("0, 0", "Sample 1 has size 0: a sample needs at least one item."),
        ("-1, 10", "Sample 1 has a negative number of defectives."),
        ("x, 10", "Sample 1 must have whole numbers of defectives and items."),
        ("1 2 3", "Sample 1 must be a number of defectives and a sample size."),
        ("7", "Sample 1 must be a number of defectives and a sample size."),
        ("", "Enter at least one sample."),
    ],
)
def test_p_chart_page_shows_why_input_is_refused(agent_client, samples, message):
    response = agent_client.get(reverse("tqm:p_chart_calculator"), {"samples": samples})
    assert response.status_code == 200
    assert response.context["form"].errors == {"samples": [message]}


# --- Effect-test page -------------------------------------------------------------------------


def test_effect_test_page_reads_a_significant_rise_in_plain_words(agent_client):
    query = {
        "before_successes": 350,
        "before_n": 500,
        "after_successes": 460,
        "after_n": 500,
        "confidence": "0.95",
    }
    html = agent_client.get(reverse("tqm:effect_test_calculator"), query).content.decode()
    assert (
        '<p class="verdict verdict-yes" data-testid="verdict">'
        "Significant at the 5% level: unlikely to be chance.</p>"
    ) in html
    # Pooled p = 0.81, SE = √(0.81·0.19·(2/500)) = 0.0248113, z = 0.22 / 0.0248113 = 8.8669.
    assert '<dd data-testid="z">8.8669</dd>' in html
    assert '<dd data-testid="difference">+22.00 percentage points</dd>' in html
    assert '<dd data-testid="p-value">7.5e-19 <span class="muted small">(p &lt; 0.001)</span></dd>' in html
    assert "(p &lt; 0.001)" in html
    # Unpooled SE = √(0.7·0.3/500 + 0.92·0.08/500) = 0.023816; 22 ± 1.96 × 2.3816 points.
    assert '<dd data-testid="interval">+17.33 to +26.67 percentage points</dd>' in html


def test_effect_test_page_matches_openstax_hives_and_says_it_could_be_chance(agent_client):
    query = {
        "before_successes": 20,
        "before_n": 200,
        "after_successes": 12,
        "after_n": 200,
        "confidence": "0.99",
    }
    html = agent_client.get(reverse("tqm:effect_test_calculator"), query).content.decode()
    assert "Not significant at the 1% level: the change could be chance." in html
    assert '<dd data-testid="z">-1.4744</dd>' in html
    assert "(p = 0.1404)" in html
    assert "99% confidence interval" in html
    assert '<dd data-testid="interval">-10.97 to +2.97 percentage points</dd>' in html
    assert '<dd data-testid="p-value">0.140369 <span class="muted small">(p = 0.1404)</span></dd>' in html


def test_effect_test_page_without_variation_has_no_z(agent_client):
    query = {
        "before_successes": 50,
        "before_n": 50,
        "after_successes": 40,
        "after_n": 40,
        "confidence": "0.95",
    }
    html = agent_client.get(reverse("tqm:effect_test_calculator"), query).content.decode()
    assert "Every item in both samples had the same outcome, so there is no variation to test." in html
    assert '<dd data-testid="z">—</dd>' in html


VALID_TEST = {
    "before_successes": 20,
    "before_n": 200,
    "after_successes": 12,
    "after_n": 200,
    "confidence": "0.95",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"before_n": 0}, "before_n", "The sample size must be at least 1."),
        ({"after_n": -5}, "after_n", "The sample size must be at least 1."),
        (
            {"after_successes": 201},
            "after_successes",
            "The count must be between 0 and the sample size (200).",
        ),
        (
            {"before_successes": -1},
            "before_successes",
            "The count must be between 0 and the sample size (200).",
        ),
        ({"confidence": "1.5"}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": "0"}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": "high"}, "confidence", "Enter a number."),
        ({"before_n": "many"}, "before_n", "Enter a whole number."),
        ({"before_n": ""}, "before_n", "This field is required."),
    ],
)
def test_effect_test_page_shows_why_input_is_refused(agent_client, changes, field, message):
    response = agent_client.get(reverse("tqm:effect_test_calculator"), {**VALID_TEST, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert 'data-testid="effect-test-result"' not in response.content.decode()


# --- API --------------------------------------------------------------------------------------

PARETO_API = "/api/v1/tqm/pareto/"
P_CHART_API = "/api/v1/tqm/p-chart/"
EFFECT_API = "/api/v1/tqm/effect-test/"


@pytest.fixture
def api_agent(api_as, personas):
    return api_as(personas[Role.AGENT])


@pytest.mark.parametrize("url", [PARETO_API, P_CHART_API, EFFECT_API])
def test_api_calculators_need_credentials(api, url):
    response = api.post(url, {}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("url", [PARETO_API, P_CHART_API, EFFECT_API])
def test_api_calculators_refuse_a_bad_token(api, url):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.post(url, {}, format="json").status_code == 401


def test_api_pareto_exact_rows(api_agent):
    items = [
        {"label": "Long queue", "count": 120},
        {"label": "IVR maze", "count": 60},
        {"label": "Dropped", "count": 20},
    ]
    response = api_agent.post(PARETO_API, {"items": items}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "total": 200,
        "rows": [
            {
                "label": "Long queue",
                "count": 120,
                "percent": 60.0,
                "cumulative_percent": 60.0,
                "vital_few": True,
                "is_other": False,
            },
            {
                "label": "IVR maze",
                "count": 60,
                "percent": 30.0,
                "cumulative_percent": 90.0,
                "vital_few": True,
                "is_other": False,
            },
            {
                "label": "Dropped",
                "count": 20,
                "percent": 10.0,
                "cumulative_percent": 100.0,
                "vital_few": False,
                "is_other": False,
            },
        ],
        "vital_few": ["Long queue", "IVR maze"],
    }


def test_api_pareto_ties_keep_input_order_and_other_is_last(api_agent):
    items = [
        {"label": label, "count": count}
        for label, count in [("A", 1), ("B", 3), ("C", 3), ("D", 1), ("E", 2)]
    ]
    response = api_agent.post(PARETO_API, {"items": items, "other_after_percent": "60"}, format="json")
    rows = response.json()["rows"]
    # B 3 (30%), C 3 (60% — reaches the threshold), then A, D, E merged: 1 + 1 + 2 = 4.
    assert [(r["label"], r["count"], r["cumulative_percent"], r["is_other"]) for r in rows] == [
        ("B", 3, 30.0, False),
        ("C", 3, 60.0, False),
        ("Other", 4, 100.0, True),
    ]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"items": [{"label": "A", "count": -1}]}, "items", 'The count of "A" cannot be negative.'),
        (
            {"items": [{"label": "A", "count": 1}, {"label": "A", "count": 2}]},
            "items",
            'The category "A" appears more than once.',
        ),
        ({"items": []}, "items", "Enter at least one category."),
        (
            {"items": [{"label": "A", "count": 0}, {"label": "B", "count": 0}]},
            "items",
            "All counts are zero: there is nothing to analyse.",
        ),
        ({"items": [{"label": " ", "count": 3}]}, "items", "Category 1 has no label."),
        (
            {"items": [{"label": "A", "count": 1}], "other_after_percent": "0"},
            "other_after_percent",
            "The threshold for merging into one bar must be more than 0 and at most 100 percent.",
        ),
    ],
)
def test_api_pareto_refuses_bad_input_with_the_field_and_message(api_agent, payload, field, message):
    response = api_agent.post(PARETO_API, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": message, field: [message]}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"items": [{"label": "A", "count": "many"}]},
            {"items": {"0": {"count": ["A valid integer is required."]}}},
        ),
        (
            {"items": [{"label": "A", "count": 2.5}]},
            {"items": {"0": {"count": ["A valid integer is required."]}}},
        ),
        ({}, {"items": ["This field is required."]}),
        (
            {"items": "A, 3"},
            {"items": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
        (
            {"items": [{"label": "A", "count": 1}], "other_after_percent": "most"},
            {"other_after_percent": ["A valid number is required."]},
        ),
    ],
)
def test_api_pareto_refuses_badly_shaped_input(api_agent, payload, errors):
    response = api_agent.post(PARETO_API, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body.pop("detail")
    assert body == errors


def test_api_p_chart_matches_montgomery(api_agent):
    samples = [{"defectives": defectives, "size": 50} for defectives in ORANGE_JUICE]
    body = api_agent.post(P_CHART_API, {"samples": samples, "revise": True}, format="json").json()
    # p̄ = 347 / 1500; UCL, LCL = p̄ ± 3·√(p̄(1 − p̄)/50) (Montgomery: 0.4102 and 0.0524).
    assert body["center_line"] == 0.231333
    assert {(p["lcl"], p["ucl"]) for p in body["points"]} == {(0.052428, 0.410239)}
    assert body["out_of_control"] == [14, 22]
    assert body["points"][14] == {
        "index": 14,
        "defectives": 22,
        "size": 50,
        "proportion": 0.44,
        "lcl": 0.052428,
        "ucl": 0.410239,
        "out_of_control": True,
    }
    assert body["excluded"] == [14, 22]
    # Revised: p̄ = 301 / 1400 = 0.215 (Montgomery: UCL 0.3893, LCL 0.0407); sample 21 now above.
    assert body["revised"]["center_line"] == 0.215
    assert {(p["lcl"], p["ucl"]) for p in body["revised"]["points"]} == {(0.040703, 0.389297)}
    assert body["revised"]["out_of_control"] == [14, 20, 22]


def test_api_p_chart_without_revision(api_agent):
    body = api_agent.post(
        P_CHART_API,
        {"samples": [{"defectives": 10, "size": 100}, {"defectives": 20, "size": 300}]},
        format="json",
    ).json()
    assert body["center_line"] == 0.075
    assert [(p["lcl"], p["ucl"]) for p in body["points"]] == [(0.0, 0.154017), (0.029379, 0.120621)]
    assert body["revised"] is None
    assert body["excluded"] == []


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ([{"defectives": 5, "size": 3}], "Sample 1 has more defectives than its size (5 of 3)."),
        (
            [{"defectives": 1, "size": 10}, {"defectives": 0, "size": 0}],
            "Sample 2 has size 0: a sample needs at least one item.",
        ),
        ([{"defectives": -1, "size": 10}], "Sample 1 has a negative number of defectives."),
        ([], "Enter at least one sample."),
    ],
)
def test_api_p_chart_refuses_bad_samples(api_agent, samples, message):
    response = api_agent.post(P_CHART_API, {"samples": samples}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": message, "samples": [message]}


def test_api_p_chart_refuses_non_numeric_sizes(api_agent):
    response = api_agent.post(P_CHART_API, {"samples": [{"defectives": 1, "size": "ten"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["samples"] == {"0": {"size": ["A valid integer is required."]}}


def test_api_effect_test_matches_openstax_hives(api_agent):
    payload = {
        "before_successes": 20,
        "before_n": 200,
        "after_successes": 12,
        "after_n": 200,
        "confidence": 0.99,
    }
    body = api_agent.post(EFFECT_API, payload, format="json").json()
    assert (body["before_rate"], body["after_rate"], body["pooled_rate"]) == (0.1, 0.06, 0.08)
    assert body["difference"] == pytest.approx(-0.04, abs=1e-12)
    assert body["z"] == pytest.approx(-1.4744, abs=5e-5)
    assert body["p_value"] == pytest.approx(0.1404, abs=5e-5)
    assert (body["ci_low"], body["ci_high"]) == (
        pytest.approx(-0.1097, abs=5e-5),
        pytest.approx(0.0297, abs=5e-5),
    )
    assert body["confidence"] == 0.99
    assert body["significant"] is False


def test_api_effect_test_defaults_to_95_percent(api_agent):
    payload = {"before_successes": 350, "before_n": 500, "after_successes": 460, "after_n": 500}
    body = api_agent.post(EFFECT_API, payload, format="json").json()
    assert body["confidence"] == 0.95
    assert body["z"] == pytest.approx(8.866932, abs=1e-6)
    assert body["significant"] is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"before_n": 0}, "before_n", "The sample size must be at least 1."),
        ({"after_n": 0}, "after_n", "The sample size must be at least 1."),
        ({"after_successes": 11}, "after_successes", "The count must be between 0 and the sample size (10)."),
        (
            {"before_successes": -2},
            "before_successes",
            "The count must be between 0 and the sample size (10).",
        ),
        ({"confidence": 1.5}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": 0}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
    ],
)
def test_api_effect_test_refuses_bad_numbers(api_agent, changes, field, message):
    payload = {"before_successes": 5, "before_n": 10, "after_successes": 6, "after_n": 10, **changes}
    response = api_agent.post(EFFECT_API, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": message, field: [message]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"before_n": "ten"}, "before_n", "A valid integer is required."),
        ({"confidence": "high"}, "confidence", "A valid number is required."),
        ({"after_n": None}, "after_n", "This field may not be null."),
    ],
)
def test_api_effect_test_refuses_badly_shaped_input(api_agent, changes, field, message):
    payload = {"before_successes": 5, "before_n": 10, "after_successes": 6, "after_n": 10, **changes}
    response = api_agent.post(EFFECT_API, payload, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_api_effect_test_needs_all_four_numbers(api_agent):
    response = api_agent.post(EFFECT_API, {"before_n": 10}, format="json")
    assert response.status_code == 400
    body = response.json()
    for field in ("before_successes", "after_successes", "after_n"):
        assert body[field] == ["This field is required."]
