"""The ranking pages: the month's table per team, its CSV export, the weights form and the
ability-score entry and import (managers)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from apps.accounts.roles import Role
from apps.metrics.models import AbilityScore, RankingWeights
from tests.metrics.ranking_builders import add_figures, complete_month, make_agent


@pytest.fixture
def march(personas, team, other_team):
    """Aurora: Ann (200 calls), Bob (150), the persona agent (100); Bamboo: the other agent; plus
    Dan in Aurora with no QA evaluation."""
    people = {"ann": make_agent(team, "ann", "Ann"), "bob": make_agent(team, "bob", "Bob")}
    complete_month(people["ann"], answered=200)
    complete_month(people["bob"], answered=150)
    complete_month(personas[Role.AGENT], answered=100)
    complete_month(personas["other_agent"], answered=80)
    people["dan"] = make_agent(team, "dan", "Dan")
    add_figures(people["dan"], [(date(2024, 3, 4), 10, 480, 480)])
    AbilityScore.objects.create(agent=people["dan"], month=date(2024, 3, 1), score=Decimal("75"))
    return people


def page(client, user, month="2024-03"):
    client.force_login(user)
    return client.get(reverse("metrics:ranking"), {"month": month} if month else {})


def test_the_page_shows_each_team_with_ranks_components_and_unranked_reasons(client, personas, march):
    response = page(client, personas[Role.QA_MANAGER])
    assert response.status_code == 200
    body = response.content.decode()
    assert [table.team.name for table in response.context["result"].teams] == ["Team Aurora", "Team Bamboo"]
    aurora = response.context["result"].teams[0]
    assert [(row.agent.name, row.rank, row.composite) for row in aurora.ranked] == [
        ("Ann", 1, Decimal("100.00")),
        ("Bob", 2, Decimal("85.00")),
        (personas[Role.AGENT].name, 3, Decimal("70.00")),
    ]
    assert body.count('data-testid="ranked-row"') == 4
    assert "No submitted QA evaluation in the month." in body
    assert "<strong>40%</strong> Quality (mean QA score)" in body
    assert "(value − team lowest) ÷ (team highest − team lowest) × 100" in body
    assert reverse("metrics:ranking_weights") in body


def test_an_agent_sees_only_their_own_row(client, personas, march):
    response = page(client, personas[Role.AGENT])
    body = response.content.decode()
    assert body.count('data-testid="ranked-row"') == 1
    assert "Ann" not in body
    assert "Dan" not in body
    assert "3 agents ranked" in body
    assert "You see your own figures and rank." in body
    assert reverse("metrics:ranking_weights") not in body


def test_a_bad_month_is_shown_next_to_the_picker(client, personas):
    response = page(client, personas[Role.QA_MANAGER], month="2024-13")
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM, for example 2024-03." in response.content.decode()


def test_without_a_month_the_page_shows_the_last_complete_month(client, personas):
    with time_machine.travel("2024-01-15 10:00 +08:00", tick=False):
        response = page(client, personas[Role.QA_MANAGER], month=None)
    assert response.context["month"] == date(2023, 12, 1)
    assert "No daily figures, QA evaluations or ability scores for 2023-12." in response.content.decode()


@pytest.mark.parametrize("who", [Role.QA_EVALUATOR, "no_role"])
def test_people_without_figures_get_403(client, personas, who):
    assert page(client, personas[who]).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("metrics:ranking"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_runs_the_same_queries_for_few_and_many_agents(
    client, personas, team, django_assert_num_queries
):
    manager = personas[Role.QA_MANAGER]
    client.force_login(manager)
    url = reverse("metrics:ranking") + "?month=2024-03"
    for number in range(3):
        complete_month(make_agent(team, f"few{number}"))
    # Session, user, roles, weights, then the agents, figures, QA scores and ability scores; then the
    # embedded ranking charts (reports.embeds): the teams the reader leads (reports.access's grants)
    # and the month's snapshots of every shown team — 8 + 2 (+1 for the images once a chart exists).
    with django_assert_num_queries(10):
        client.get(url)
    for number in range(30):
        complete_month(make_agent(team, f"many{number}"))
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.context["result"].teams[0].ranked_count == 33


# --- Export ---------------------------------------------------------------------------------


def export(client, user, month="2024-03"):
    client.force_login(user)
    response = client.get(reverse("metrics:ranking_export"), {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="ranking-{month}.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_export_has_the_pages_rows(client, personas, march):
    rows = export(client, personas[Role.QA_MANAGER])
    assert rows[0] == [
        "month",
        "team",
        "rank",
        "agent",
        "agent_name",
        "composite",
        "volume",
        "quality",
        "attendance",
        "ability",
        "volume_normalised",
        "quality_normalised",
        "attendance_normalised",
        "ability_normalised",
        "unranked_reasons",
    ]
    persona = personas[Role.AGENT]
    other = personas["other_agent"]
    # complete_month: score 90, ability 80, 470 of 480 minutes (97.92 %).
    assert rows[1:] == [
        ["2024-03", "Team Aurora", "1", "ann", "Ann", "100.00", "200", "90.00", "97.92", "80.00"]
        + ["100.00", "100.00", "100.00", "100.00", ""],
        ["2024-03", "Team Aurora", "2", "bob", "Bob", "85.00", "150", "90.00", "97.92", "80.00"]
        + ["50.00", "100.00", "100.00", "100.00", ""],
        [
            "2024-03",
            "Team Aurora",
            "3",
            persona.username,
            persona.name,
            "70.00",
            "100",
            "90.00",
            "97.92",
            "80.00",
        ]
        + ["0.00", "100.00", "100.00", "100.00", ""],
        [
            "2024-03",
            "Team Aurora",
            "",
            "dan",
            "Dan",
            "",
            "10",
            "",
            "100.00",
            "75.00",
            "",
            "",
            "",
            "",
            "no_qa_evaluation",
        ],
        ["2024-03", "Team Bamboo", "1", other.username, other.name, "100.00", "80", "90.00", "97.92", "80.00"]
        + ["100.00", "100.00", "100.00", "100.00", ""],
    ]


def test_an_agent_exports_only_their_own_row(client, personas, march):
    rows = export(client, personas[Role.AGENT])
    assert [row[3] for row in rows[1:]] == [personas[Role.AGENT].username]


def test_an_export_for_a_bad_month_is_400(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    assert client.get(reverse("metrics:ranking_export"), {"month": "13-2024"}).status_code == 400


# --- Weights --------------------------------------------------------------------------------


def post_weights(client, user, **weights):
    client.force_login(user)
    return client.post(reverse("metrics:ranking_weights"), weights)


def test_weights_that_do_not_add_up_to_100_are_refused_on_the_form(client, personas):
    response = post_weights(
        client, personas[Role.QA_MANAGER], volume=30, quality=40, attendance=15, ability=5
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The weights must add up to 100 (now 90)."]
    assert 'data-testid="weights-error"' in response.content.decode()
    assert not RankingWeights.objects.exists()


def test_a_weight_out_of_range_is_shown_next_to_its_field(client, personas):
    response = post_weights(
        client, personas[Role.QA_MANAGER], volume=130, quality=40, attendance=15, ability=5
    )
    assert response.context["form"].errors == {"volume": ["Ensure this value is less than or equal to 100."]}


def test_saved_weights_lead_back_to_the_ranking(client, personas):
    response = post_weights(
        client, personas[Role.QA_MANAGER], volume=25, quality=45, attendance=15, ability=15
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:ranking")
    assert str(RankingWeights.objects.get()) == "25/45/15/15"


def test_the_weights_form_starts_from_the_weights_in_force(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    response = client.get(reverse("metrics:ranking_weights"))
    assert response.context["form"].initial == {"volume": 30, "quality": 40, "attendance": 15, "ability": 15}


@pytest.mark.parametrize(
    "url_name", ["metrics:ranking_weights", "metrics:ability_scores", "metrics:ability_template"]
)
def test_agents_cannot_open_the_manager_pages(client, personas, url_name):
    client.force_login(personas[Role.AGENT])
    assert client.get(reverse(url_name)).status_code == 403


# --- Ability scores -------------------------------------------------------------------------


def test_a_manager_enters_one_score(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    agent = personas[Role.AGENT]
    response = client.post(
        reverse("metrics:ability_scores"),
        {"action": "one", "agent": agent.pk, "month": "2024-03", "score": "88.5"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:ability_scores") + "?month=2024-03"
    assert AbilityScore.objects.get().score == Decimal("88.50")


def test_a_score_above_100_is_shown_next_to_the_field(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    response = client.post(
        reverse("metrics:ability_scores"),
        {"action": "one", "agent": personas[Role.AGENT].pk, "month": "2024-03", "score": "101"},
    )
    assert response.context["score_form"].errors == {
        "score": ["A score is a number from 0 to 100 with at most 2 decimals."]
    }
    assert not AbilityScore.objects.exists()


def test_a_csv_import_with_a_bad_row_lists_the_problems_and_writes_nothing(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    upload = SimpleUploadedFile("scores.csv", b"month,agent,score\n2024-03,agent,80\n2024-03,agent_x,70\n")
    response = client.post(reverse("metrics:ability_scores"), {"action": "import", "file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "No user has the username “agent_x”." in body
    assert "The file has 1 problem. Fix it and upload the whole file again" in body
    assert not AbilityScore.objects.exists()


def test_a_good_csv_import_reports_what_it_did(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    upload = SimpleUploadedFile(
        "scores.csv", b"month,agent,score\n2024-03,agent,80\n2024-03,other_agent,70\n"
    )
    response = client.post(
        reverse("metrics:ability_scores"), {"action": "import", "file": upload}, follow=True
    )
    assert "2 ability scores imported (0 replaced)." in response.content.decode()
    assert AbilityScore.objects.count() == 2


def test_the_example_file_imports_as_is_once_its_agents_exist(client, personas, team):
    make_agent(team, "agent01")
    make_agent(team, "agent02")
    client.force_login(personas[Role.QA_MANAGER])
    example = client.get(reverse("metrics:ability_template")).content
    upload = SimpleUploadedFile("example.csv", example)
    client.post(reverse("metrics:ability_scores"), {"action": "import", "file": upload})
    assert AbilityScore.objects.count() == 2


def test_the_ability_page_lists_the_months_scores(client, personas):
    AbilityScore.objects.create(agent=personas[Role.AGENT], month=date(2024, 3, 1), score=Decimal("66"))
    client.force_login(personas[Role.QA_MANAGER])
    response = client.get(reverse("metrics:ability_scores"), {"month": "2024-03"})
    assert [row.score for row in response.context["scores"]] == [Decimal("66.00")]


@pytest.mark.parametrize("url_name", ["metrics:ranking", "metrics:ranking_weights", "metrics:ability_scores"])
def test_the_pages_render_in_simplified_chinese(client, personas, march, settings, url_name):
    client.force_login(personas[Role.QA_MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    # The request activates Chinese in this thread; override() puts English back for later tests.
    with translation.override("en"):
        response = client.get(reverse(url_name), {"month": "2024-03"})
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
