"""TQM pages: the project list and its filters, create and edit, the project page with its gate and
step moves, the seven step pages and the actions they post, refusals shown next to the fields with
nothing written, 403/404, CSV import, and constant query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm import services
from apps.tqm.models import (
    Cause,
    Countermeasure,
    Dataset,
    FishboneCategory,
    Project,
    Standard,
    Topic,
)
from apps.tqm.steps import ActionStatus, EventKind, Status, Step
from tests.factories import UserFactory
from tests.tqm.factories import (
    completed_project,
    fill_step,
    improvement_member,
    new_project,
    project_at_step,
    project_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    """A leader and a member (improvement team), a sponsor (duty manager), and outsiders."""
    return {
        "leader": improvement_member(username="lin", display_name="Lin"),
        "member": improvement_member(username="mei", display_name="Mei"),
        "sponsor": UserFactory(username="zhou", display_name="Zhou", roles=[Role.DUTY_MANAGER]),
        "qa_manager": UserFactory(username="qm", roles=[Role.QA_MANAGER]),
        "agent": UserFactory(username="agent", roles=[Role.AGENT]),
    }


def _project(team, step: int = Step.SELECT_TOPIC, **kwargs) -> Project:
    return project_at_step(
        step, leader=team["leader"], members=[team["member"]], sponsor=team["sponsor"], **kwargs
    )


def _as(client, user):
    client.force_login(user)
    return client


def _step_url(project, step: int) -> str:
    return reverse("tqm:project_step", args=[project.pk, step])


def _act(project, action: str) -> str:
    return reverse("tqm:project_act", args=[project.pk, action])


def _body(response) -> str:
    return response.content.decode()


# --- Every page renders -------------------------------------------------------------------------


def test_every_page_renders_for_the_leader_of_a_project_at_step_7(client, team):
    project = _project(team, Step.REFLECT, filled=True)
    _as(client, team["leader"])
    for url in (
        reverse("tqm:project_list"),
        reverse("tqm:project_create"),
        reverse("tqm:project_edit", args=[project.pk]),
    ):
        assert client.get(url).status_code == 200, url
    for url in (
        reverse("tqm:project_detail", args=[project.pk]),
        *(_step_url(project, s) for s in Step.values),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _body(response).count('data-state="done"') == 6, url  # steps 1–6 done, 7 current


def test_step_pages_show_their_artefacts(client, team):
    project = _project(team, Step.REFLECT, filled=True)
    _as(client, team["member"])

    step_1 = _body(client.get(_step_url(project, 1)))
    assert "Slow connection" in step_1
    assert 'data-testid="chosen-topic"' in step_1
    assert "Most complaints are about it." in step_1

    step_2 = _body(client.get(_step_url(project, 2)))
    assert "Post-call survey" in step_2
    assert "Reasons before" in step_2
    assert "category,count" in step_2  # the CSV template hint

    step_3 = _body(client.get(_step_url(project, 3)))
    pareto = project.paretos.get()
    assert reverse("tqm:pareto_chart", args=[project.pk, pareto.pk, "svg"]) in step_3
    assert reverse("tqm:pareto_chart", args=[project.pk, pareto.pk, "png"]) in step_3
    assert reverse("tqm:fishbone_chart", args=[project.pk, "svg"]) in step_3
    # 120 / 60 / 20: cumulative 60 %, 90 %, 100 %; vital few up to the first reaching 80 %.
    assert "60.00" in step_3
    assert "90.00" in step_3
    assert "100.00" in step_3
    assert step_3.count('data-testid="vital-few"') == 2
    assert "Too few agents at 9:00" in step_3
    assert 'data-testid="root-cause"' in step_3

    step_4 = _body(client.get(_step_url(project, 4)))
    assert "Shift two agents to 8:30" in step_4
    assert "Priority = expected effect × controllability × (6 − cost)" in step_4
    assert 'data-testid="priority">160<' in step_4  # effect 4 × controllability 5 × (6 − cost 2) × 2

    step_5 = _body(client.get(_step_url(project, 5)))
    assert 'data-testid="goal-met"' in step_5
    assert (
        "The rise from 70.0% to 92.0% is statistically significant (p &lt; 0.001): unlikely to be chance."
        in step_5
    )

    step_6 = _body(client.get(_step_url(project, 6)))
    assert "Morning staffing" in step_6
    assert "v1" in step_6
    assert "Lin" in step_6

    step_7 = _body(client.get(_step_url(project, 7)))
    assert "Measure first." in step_7
    assert "IVR maze" in step_7
    assert 'data-testid="start-next-project"' not in step_7  # not completed yet


def test_a_step_not_reached_yet_says_so_and_offers_no_forms(client, team):
    project = _project(team, Step.COLLECT_DATA)
    body = _body(_as(client, team["leader"]).get(_step_url(project, 4)))
    assert 'data-testid="step-not-reached"' in body
    assert 'data-testid="countermeasure-add"' not in body
    assert 'data-state="locked"' in body


def test_steps_outside_one_to_seven_are_404(client, team):
    project = _project(team)
    _as(client, team["leader"])
    assert client.get(_step_url(project, 8)).status_code == 404
    assert client.get(f"/tqm/{project.pk}/step/0/").status_code == 404


# --- The list -----------------------------------------------------------------------------------


def test_list_filters_by_status_step_mine_and_text(client, team):
    _project(team, Step.CAUSES, title="Cut the queue")
    on_hold = _project(team, title="Fewer repeat calls")
    services.project_set_status(
        project=on_hold, by=team["leader"], status=Status.ON_HOLD, note="Peak season."
    )
    new_project(title="Friendlier IVR")  # another team's
    _as(client, team["member"])

    def titles(query: str) -> set[str]:
        response = client.get(reverse("tqm:project_list") + query)
        assert response.status_code == 200
        return {p.title for p in response.context["page_obj"]}

    assert titles("") == {"Cut the queue", "Fewer repeat calls", "Friendlier IVR"}
    assert titles("?status=on_hold") == {"Fewer repeat calls"}
    assert titles("?step=3") == {"Cut the queue"}
    assert titles("?mine=1") == {"Cut the queue", "Fewer repeat calls"}
    assert titles("?q=ivr") == {"Friendlier IVR"}


def test_list_shows_open_projects_per_step_and_the_new_project_button(client, team):
    _project(team, Step.CAUSES)
    _project(team, Step.CAUSES)
    _project(team)
    response = _as(client, team["leader"]).get(reverse("tqm:project_list"))
    summary = {item["number"]: item["count"] for item in response.context["step_summary"]}
    assert summary == {1: 1, 2: 0, 3: 2, 4: 0, 5: 0, 6: 0, 7: 0}
    assert 'data-testid="new-project"' in _body(response)


def test_users_without_visibility_see_an_empty_list_and_no_new_project_button(client, team):
    _project(team)
    response = _as(client, team["agent"]).get(reverse("tqm:project_list"))
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []
    assert 'data-testid="new-project"' not in _body(response)


def test_list_is_paginated_by_25(client, team):
    project_rows(30, leader=team["leader"], sponsor=team["sponsor"])
    _as(client, team["leader"])
    assert len(client.get(reverse("tqm:project_list")).context["page_obj"]) == 25
    assert len(client.get(reverse("tqm:project_list") + "?page=2").context["page_obj"]) == 5


# --- Visibility and permissions -----------------------------------------------------------------


def test_a_project_the_user_cannot_see_is_404_on_every_page(client, team):
    project = _project(team)
    _as(client, team["agent"])
    for url in (
        reverse("tqm:project_detail", args=[project.pk]),
        reverse("tqm:project_edit", args=[project.pk]),
        _step_url(project, 1),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(_act(project, "topic-add"), {"title": "x"}).status_code == 404
    assert (
        client.post(reverse("tqm:project_advance", args=[project.pk]), {"expected_step": 1}).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, team):
    project = _project(team)
    response = client.get(reverse("tqm:project_detail", args=[project.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_reader_who_is_not_in_the_team_gets_403_when_posting_an_action(client, team):
    project = _project(team)
    _as(client, team["qa_manager"])  # reads every project, edits none
    assert client.get(_step_url(project, 1)).status_code == 200
    response = client.post(
        _act(project, "topic-add"),
        {"title": "Long queues", "urgency": 5, "controllability": 5, "time_bound": 5},
    )
    assert response.status_code == 403
    assert not Topic.objects.filter(project=project).exists()


def test_a_reader_sees_no_forms_on_the_step_pages(client, team):
    project = _project(team)
    body = _body(_as(client, team["qa_manager"]).get(_step_url(project, 1)))
    assert 'data-testid="topic-add"' not in body
    assert 'data-testid="step-read-only"' in body


def test_edit_is_403_for_someone_who_cannot_edit(client, team):
    project = _project(team)
    _as(client, team["sponsor"])
    assert client.get(reverse("tqm:project_edit", args=[project.pk])).status_code == 403


def test_create_is_403_for_a_role_that_cannot_start_projects(client, team):
    assert _as(client, team["sponsor"]).get(reverse("tqm:project_create")).status_code == 403


def test_unknown_action_is_404(client, team):
    project = _project(team)
    assert _as(client, team["leader"]).post(_act(project, "launch-rockets"), {}).status_code == 404


# --- Create and edit ----------------------------------------------------------------------------


def _project_form(team, **overrides) -> dict:
    data = {
        "title": "Shorter hold times",
        "problem_statement": "Callers wait on hold too long.",
        "metric_name": "Hold time",
        "metric_unit": "s",
        "metric_direction": "down",
        "baseline": "95",
        "target": "60",
        "sponsor": team["sponsor"].pk,
        "leader": team["leader"].pk,
        "members": [team["member"].pk],
        "start_date": "2026-03-01",
        "target_date": "2026-06-30",
    }
    data.update(overrides)
    return data


def test_create_through_the_page_opens_a_project_at_step_1(client, team):
    response = _as(client, team["leader"]).post(reverse("tqm:project_create"), _project_form(team))
    project = Project.objects.get(title="Shorter hold times")
    assert response.status_code == 302
    assert response["Location"] == reverse("tqm:project_detail", args=[project.pk])
    assert project.current_step == 1
    assert project.leader == team["leader"]
    assert list(project.members.all()) == [team["member"]]
    assert project.fishbone_categories.count() == 6


def test_create_form_defaults_to_me_as_leader_and_today(client, team):
    form = _as(client, team["leader"]).get(reverse("tqm:project_create")).context["form"]
    assert form.initial["leader"] == team["leader"].pk
    assert form.initial["start_date"] == timezone.localdate()


def test_create_refused_by_the_service_shows_the_error_next_to_the_field(client, team):
    response = _as(client, team["leader"]).post(
        reverse("tqm:project_create"), _project_form(team, target="120")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["target"] == [
        "Lower is better for this metric, so the target must be below the baseline."
    ]
    assert not Project.objects.filter(title="Shorter hold times").exists()


def test_start_the_next_project_prefills_the_topic_and_links_the_previous_project(client, team):
    previous = completed_project(leader=team["leader"], members=[team["member"]], sponsor=team["sponsor"])
    _as(client, team["leader"])
    step_7 = _body(client.get(_step_url(previous, 7)))
    next_url = f"{reverse('tqm:project_create')}?previous={previous.pk}"
    assert f'href="{next_url}"' in step_7

    form = client.get(next_url).context["form"]
    assert form.initial["title"] == "IVR maze"
    response = client.post(next_url, _project_form(team, title="IVR maze"))
    assert response.status_code == 302
    assert Project.objects.get(title="IVR maze").previous_project == previous


def test_edit_saves_the_details_and_the_fishbone_effect(client, team):
    project = _project(team)
    data = _project_form(team, title="Faster connection", fishbone_effect="Callers wait too long")
    data.update(metric_direction="up", baseline="70", target="90")
    response = _as(client, team["member"]).post(reverse("tqm:project_edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Faster connection"
    assert project.fishbone_effect == "Callers wait too long"


# --- The project page: gate, advance, step back, status -----------------------------------------


def test_the_gate_lists_exactly_what_is_missing_and_advance_is_disabled(client, team):
    project = _project(team)
    body = _body(_as(client, team["leader"]).get(reverse("tqm:project_detail", args=[project.pk])))
    assert 'data-testid="gate-missing"' in body
    assert "Choose one of the candidate topics (with the reason for choosing it)." in body
    assert 'data-testid="advance" disabled' in body


def test_advance_moves_the_project_once_the_gate_is_open(client, team):
    project = _project(team)
    fill_step(project, Step.SELECT_TOPIC)
    _as(client, team["leader"])
    detail = _body(client.get(reverse("tqm:project_detail", args=[project.pk])))
    assert 'data-testid="gate-ready"' in detail
    assert 'data-testid="advance" disabled' not in detail

    response = client.post(
        reverse("tqm:project_advance", args=[project.pk]), {"expected_step": 1}, follow=True
    )
    assert response.status_code == 200
    assert "The project is at step 2: Collect and analyse data." in _body(response)
    project.refresh_from_db()
    assert project.current_step == 2
    event = project.events.get(kind=EventKind.ADVANCED)
    assert (event.actor, event.from_step, event.to_step) == (team["leader"], 1, 2)
    assert "Write the data plan (source, sampling method, sample size, period)." in _body(response)


def test_advancing_with_a_closed_gate_changes_nothing_and_says_why(client, team):
    project = _project(team)
    response = _as(client, team["leader"]).post(
        reverse("tqm:project_advance", args=[project.pk]), {"expected_step": 1}, follow=True
    )
    assert "Step 1 is not finished yet." in _body(response)
    project.refresh_from_db()
    assert project.current_step == 1


def test_a_stale_advance_is_refused(client, team):
    project = _project(team, Step.COLLECT_DATA, filled=True)
    response = _as(client, team["leader"]).post(
        reverse("tqm:project_advance", args=[project.pk]), {"expected_step": 1}, follow=True
    )
    assert "The project has moved on: it is at step 2, not 1." in _body(response)
    project.refresh_from_db()
    assert project.current_step == 2


def test_only_the_leader_may_advance(client, team):
    project = _project(team)
    fill_step(project, Step.SELECT_TOPIC)
    _as(client, team["member"])
    assert 'data-testid="advance"' not in _body(client.get(reverse("tqm:project_detail", args=[project.pk])))
    response = client.post(reverse("tqm:project_advance", args=[project.pk]), {"expected_step": 1})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.current_step == 1


def test_step_back_needs_a_reason_next_to_the_field(client, team):
    project = _project(team, Step.CAUSES)
    _as(client, team["leader"])
    url = reverse("tqm:project_back", args=[project.pk])
    response = client.post(url, {"expected_step": 3, "reason": " "})
    assert response.status_code == 400
    assert response.context["back_form"].errors["reason"] == ["Say why the project goes back a step."]
    project.refresh_from_db()
    assert project.current_step == 3

    client.post(url, {"expected_step": 3, "reason": "The data did not confirm the cause."})
    project.refresh_from_db()
    assert project.current_step == 2
    assert project.events.get(kind=EventKind.STEPPED_BACK).note == "The data did not confirm the cause."


def test_the_sponsor_puts_the_project_on_hold_and_resumes_it(client, team):
    project = _project(team)
    _as(client, team["sponsor"])
    url = reverse("tqm:project_status", args=[project.pk])
    assert 'data-testid="status-form"' in _body(client.get(reverse("tqm:project_detail", args=[project.pk])))

    missing_note = client.post(url, {"status": "on_hold", "note": ""})
    assert missing_note.status_code == 400
    assert missing_note.context["status_form"].errors["note"] == ["Add a note saying why."]

    client.post(url, {"status": "on_hold", "note": "Peak season."})
    project.refresh_from_db()
    assert project.status == Status.ON_HOLD
    client.post(url, {"status": "active", "note": "Back to it."})
    project.refresh_from_db()
    assert project.status == Status.ACTIVE
    assert list(project.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.PUT_ON_HOLD,
        EventKind.RESUMED,
    ]


def test_the_step_history_shows_who_moved_the_project(client, team):
    project = _project(team, Step.CAUSES)
    body = _body(_as(client, team["member"]).get(reverse("tqm:project_detail", args=[project.pk])))
    assert body.count('data-event="advanced"') == 2
    assert "step 1 → step 2" in body
    assert "step 2 → step 3" in body
    assert "Lin" in body


# --- Step actions -------------------------------------------------------------------------------


def test_a_member_adds_and_chooses_a_topic_through_the_page(client, team):
    project = _project(team)
    _as(client, team["member"])
    response = client.post(
        _act(project, "topic-add"),
        {"title": "Long queues", "urgency": "5", "controllability": "4", "time_bound": "3", "page_step": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == _step_url(project, 1)
    topic = Topic.objects.get(project=project)
    assert topic.score == 12

    response = client.post(_act(project, "topic-choose"), {"topic": topic.pk, "rationale": "Most complaints"})
    topic.refresh_from_db()
    assert topic.is_chosen
    assert topic.rationale == "Most complaints"


def test_a_refused_step_form_shows_the_error_next_to_the_field_and_writes_nothing(client, team):
    project = _project(team)
    response = _as(client, team["member"]).post(
        _act(project, "topic-add"), {"title": "Long queues", "urgency": "5", "controllability": "4"}
    )
    assert response.status_code == 400
    form = response.context["topic_form"]
    assert form.errors == {"time_bound": ["Rate from 1 to 5."]}
    body = _body(response)
    assert 'id="id_topic-add_time_bound"' in body
    assert "Rate from 1 to 5." in body
    assert not Topic.objects.filter(project=project).exists()


def test_choosing_without_a_reason_shows_the_error_on_that_topics_form(client, team):
    project = _project(team)
    first = services.topic_add(
        project=project, by=team["leader"], title="A", urgency=1, controllability=1, time_bound=1
    )
    second = services.topic_add(
        project=project, by=team["leader"], title="B", urgency=5, controllability=5, time_bound=5
    )
    response = _as(client, team["leader"]).post(
        _act(project, "topic-choose"), {"topic": first.pk, "rationale": ""}
    )
    assert response.status_code == 400
    topics = {topic.pk: topic for topic in response.context["topics"]}
    assert topics[first.pk].choose_form.errors == {"rationale": ["Say why this topic was chosen."]}
    assert not topics[second.pk].choose_form.is_bound
    assert [t.pk for t in response.context["topics"]] == [second.pk, first.pk]  # ranked by score
    assert not Topic.objects.filter(is_chosen=True).exists()


def test_an_action_on_a_row_that_no_longer_exists_says_so(client, team):
    project = _project(team)
    response = _as(client, team["leader"]).post(
        _act(project, "topic-delete"), {"topic": "999999"}, follow=True
    )
    assert "That item is no longer in the project" in _body(response)


def test_data_plan_and_a_typed_dataset_through_the_page(client, team):
    project = _project(team, Step.COLLECT_DATA)
    _as(client, team["member"])
    client.post(
        _act(project, "data-plan"),
        {
            "source": "Post-call survey",
            "sampling_method": "All answers",
            "sample_size": "500",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
        },
    )
    assert project.__class__.objects.get(pk=project.pk).data_plan.sample_size == 500
    response = client.post(
        _act(project, "dataset-add"),
        {"name": "January", "phase": "before", "items": "Long wait, 48\n转接太多，21\n\nRude\t6\n"},
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(project=project, name="January")
    assert dataset.pairs() == [("Long wait", 48), ("转接太多", 21), ("Rude", 6)]


def test_a_typed_dataset_with_bad_lines_reports_every_line_and_writes_nothing(client, team):
    project = _project(team, Step.COLLECT_DATA)
    response = _as(client, team["member"]).post(
        _act(project, "dataset-add"), {"name": "January", "phase": "before", "items": "Long wait, many\nRude"}
    )
    assert response.status_code == 400
    assert response.context["dataset_add_form"].errors["items"] == [
        "Line 1: “many” is not a whole number.",
        "Line 2: write the category, a comma, then the count.",
    ]
    assert not Dataset.objects.filter(project=project).exists()


def test_a_dataset_the_service_refuses_shows_its_message_next_to_the_counts(client, team):
    project = _project(team, Step.COLLECT_DATA)
    response = _as(client, team["member"]).post(
        _act(project, "dataset-add"),
        {"name": "January", "phase": "before", "items": "Long wait, 4\nLong wait, 5"},
    )
    assert response.status_code == 400
    assert response.context["dataset_add_form"].errors["items"] == [
        'The category "Long wait" appears more than once.'
    ]
    assert not Dataset.objects.filter(project=project).exists()


def test_csv_import_through_the_page(client, team):
    project = _project(team, Step.COLLECT_DATA)
    upload = SimpleUploadedFile(
        "reasons.csv", "category,count\n等待太久,48\n转接太多,21\n".encode("gb18030"), content_type="text/csv"
    )
    response = _as(client, team["member"]).post(
        _act(project, "dataset-import"), {"name": "Imported", "phase": "before", "file": upload}
    )
    assert response.status_code == 302
    assert Dataset.objects.get(project=project, name="Imported").pairs() == [
        ("等待太久", 48),
        ("转接太多", 21),
    ]


def test_a_csv_with_errors_shows_them_next_to_the_file_and_imports_nothing(client, team):
    project = _project(team, Step.COLLECT_DATA)
    upload = SimpleUploadedFile("reasons.csv", b"category,count\nLong wait,many\nRude,-2\n")
    response = _as(client, team["member"]).post(
        _act(project, "dataset-import"), {"name": "Imported", "phase": "before", "file": upload}
    )
    assert response.status_code == 400
    assert response.context["dataset_import_form"].errors["file"] == [
        "Line 2: “many” is not a whole number.",
        "Line 3: the count cannot be negative.",
    ]
    assert not Dataset.objects.exists()


def test_an_after_dataset_is_added_from_step_5_and_the_page_compares_before_and_after(client, team):
    project = _project(team, Step.EFFECT)
    _as(client, team["member"])
    response = client.post(
        _act(project, "dataset-add"),
        {"name": "April", "phase": "after", "items": "Long queue, 20\nIVR maze, 30", "page_step": "5"},
    )
    assert response["Location"] == _step_url(project, 5)
    before = Dataset.objects.get(project=project, phase="before")
    after = Dataset.objects.get(project=project, phase="after")
    body = _body(client.get(_step_url(project, 5)))
    chart = reverse("tqm:before_after_chart", args=[project.pk, "svg"])
    assert f"{chart}?before={before.pk}&amp;after={after.pk}" in body


def test_fishbone_editing_through_the_page(client, team):
    project = _project(team, Step.CAUSES)
    people = FishboneCategory.objects.filter(project=project).order_by("position").first()
    _as(client, team["member"])
    client.post(_act(project, "category-rename"), {"category": people.pk, "name": "Agents"})
    client.post(_act(project, "category-add"), {"name": "Policy"})
    client.post(_act(project, "cause-add"), {"category": people.pk, "text": "Too few at 9:00"})
    cause = Cause.objects.get(text="Too few at 9:00")
    client.post(_act(project, "cause-add"), {"category": people.pk, "parent": cause.pk, "text": "Late rota"})
    refused = client.post(
        _act(project, "cause-update"), {"cause": cause.pk, "text": "Too few at 9:00", "is_root_cause": "on"}
    )
    assert refused.status_code == 400
    assert "Say how the root cause was verified." in _body(refused)
    assert not Cause.objects.get(pk=cause.pk).is_root_cause

    client.post(
        _act(project, "cause-update"),
        {"cause": cause.pk, "text": "Too few at 9:00", "is_root_cause": "on", "evidence": "Rota vs arrivals"},
    )
    people.refresh_from_db()
    cause.refresh_from_db()
    assert people.name == "Agents"
    assert cause.is_root_cause
    assert Cause.objects.get(text="Late rota").parent == cause
    assert FishboneCategory.objects.filter(project=project, name="Policy").exists()
    body = _body(client.get(_step_url(project, 3)))
    assert "Late rota" in body
    assert 'data-testid="root-cause"' in body


def test_countermeasures_through_the_page(client, team):
    project = _project(team, Step.COUNTERMEASURES)
    _as(client, team["member"])
    client.post(
        _act(project, "countermeasure-add"),
        {"title": "Open a callback line", "controllability": "3", "expected_effect": "5", "cost": "4"},
    )
    measure = Countermeasure.objects.get(project=project)
    assert measure.priority == 30  # 5 × 3 × (6 − 4)

    refused = client.post(_act(project, "countermeasure-select"), {"countermeasure": measure.pk})
    assert refused.status_code == 400
    form = next(m for m in refused.context["countermeasures"] if m.pk == measure.pk).select_form
    assert form.errors == {
        "owner": ["Choose an active person to own the action."],
        "due_date": ["Give the action a due date."],
    }
    measure.refresh_from_db()
    assert not measure.selected

    yesterday = timezone.localdate() - timedelta(days=1)
    client.post(
        _act(project, "countermeasure-select"),
        {"countermeasure": measure.pk, "owner": team["member"].pk, "due_date": yesterday.isoformat()},
    )
    body = _body(client.get(_step_url(project, 4)))
    assert 'data-testid="overdue"' in body
    client.post(_act(project, "countermeasure-status"), {"countermeasure": measure.pk, "status": "done"})
    measure.refresh_from_db()
    assert measure.selected
    assert measure.owner == team["member"]
    assert measure.status == ActionStatus.DONE


def test_measurement_standard_training_and_reflection_through_the_pages(client, team):
    project = _project(team, Step.REFLECT)
    _as(client, team["leader"])
    client.post(
        _act(project, "measurement-add"),
        {
            "value": "92",
            "successes": "460",
            "sample_size": "500",
            "period_start": "2026-04-01",
            "period_end": "2026-04-30",
        },
    )
    client.post(
        _act(project, "standard-add"),
        {"title": "Morning staffing", "body": "Three agents start at 8:30.", "effective_date": "2026-06-01"},
    )
    old, new = Standard.objects.filter(project=project).order_by("version")
    assert (old.version, new.version) == (1, 1)  # the filler's standard and this one
    client.post(
        _act(project, "standard-add"),
        {"title": "Morning staffing", "body": "Four.", "effective_date": "2026-07-01", "supersedes": new.pk},
    )
    assert Standard.objects.get(supersedes=new).version == 2
    client.post(
        _act(project, "training-add"),
        {"standard": new.pk, "trainee": team["member"].pk, "trained_on": date(2026, 1, 10).isoformat()},
    )
    assert new.trainings.get().trainee == team["member"]
    client.post(
        _act(project, "reflection"), {"lessons_learned": "Staff to arrivals.", "next_topic": "Repeat calls"}
    )
    project.refresh_from_db()
    assert (project.lessons_learned, project.next_topic) == ("Staff to arrivals.", "Repeat calls")
    assert project.measurements.count() == 2


def test_a_member_cannot_write_a_step_the_project_has_not_reached(client, team):
    project = _project(team, Step.COLLECT_DATA)
    response = _as(client, team["member"]).post(
        _act(project, "countermeasure-add"),
        {"title": "Callback", "controllability": "3", "expected_effect": "5", "cost": "4"},
        follow=True,
    )
    assert "Step 4 is not open yet: the project is at step 2." in _body(response)
    assert not Countermeasure.objects.exists()


def test_a_completed_project_is_read_only_on_its_pages(client, team):
    project = completed_project(leader=team["leader"], members=[team["member"]], sponsor=team["sponsor"])
    _as(client, team["leader"])
    body = _body(client.get(_step_url(project, 1)))
    assert 'data-testid="step-read-only"' in body
    assert 'data-testid="topic-add"' not in body
    response = client.post(
        _act(project, "topic-add"),
        {"title": "Late", "urgency": 5, "controllability": 5, "time_bound": 5},
        follow=True,
    )
    assert "This project is completed; it can no longer be changed." in _body(response)
    assert project.topics.count() == 1


def test_an_action_owner_outside_the_team_reports_progress_from_step_4(client, team):
    project = _project(team, Step.COUNTERMEASURES)
    measure = services.countermeasure_add(
        project=project, by=team["leader"], title="Fix the IVR", controllability=4, expected_effect=4, cost=2
    )
    services.countermeasure_select(
        measure=measure, by=team["leader"], owner=team["agent"], due_date=timezone.localdate()
    )
    _as(client, team["agent"])
    body = _body(client.get(_step_url(project, 4)))
    assert 'data-testid="countermeasure-status"' in body
    assert 'data-testid="countermeasure-add"' not in body
    response = client.post(
        _act(project, "countermeasure-status"), {"countermeasure": measure.pk, "status": "in_progress"}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == ActionStatus.IN_PROGRESS
    assert (
        client.post(_act(project, "countermeasure-delete"), {"countermeasure": measure.pk}).status_code == 403
    )


# --- A whole project through the pages ----------------------------------------------------------


def test_a_team_runs_a_project_from_step_1_to_completion_through_the_pages(client, team):
    leader, member = Client(), Client()
    leader.force_login(team["leader"])
    member.force_login(team["member"])
    data = _project_form(
        team, title="Connection satisfaction", metric_direction="up", baseline="70", target="90"
    )
    data.update(metric_unit="%", baseline_successes="350", baseline_sample_size="500")
    leader.post(reverse("tqm:project_create"), data)
    project = Project.objects.get(title="Connection satisfaction")

    def advance(step: int) -> None:
        response = leader.post(reverse("tqm:project_advance", args=[project.pk]), {"expected_step": step})
        assert response.status_code == 302
        project.refresh_from_db()

    def ok(response) -> None:
        assert response.status_code == 302  # back to the step page: the service accepted it

    # 1. Topics.
    ok(
        member.post(
            _act(project, "topic-add"),
            {"title": "Slow connection", "urgency": 5, "controllability": 4, "time_bound": 4},
        )
    )
    topic = project.topics.get()
    ok(member.post(_act(project, "topic-choose"), {"topic": topic.pk, "rationale": "Most complaints."}))
    advance(1)
    # 2. Data plan and a CSV dataset.
    ok(
        member.post(
            _act(project, "data-plan"),
            {
                "source": "Survey",
                "sampling_method": "All",
                "sample_size": 500,
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
            },
        )
    )
    csv_file = SimpleUploadedFile("before.csv", b"category,count\nLong queue,120\nIVR maze,60\nDropped,20\n")
    ok(member.post(_act(project, "dataset-import"), {"name": "Before", "phase": "before", "file": csv_file}))
    advance(2)
    # 3. Pareto and a verified root cause.
    dataset = project.datasets.get()
    ok(member.post(_act(project, "pareto-add"), {"dataset": dataset.pk}))
    people = project.fishbone_categories.order_by("position").first()
    ok(
        member.post(
            _act(project, "cause-add"),
            {
                "category": people.pk,
                "text": "Too few agents at 9:00",
                "is_root_cause": "on",
                "evidence": "Rota",
            },
        )
    )
    advance(3)
    # 4. A selected countermeasure.
    ok(
        member.post(
            _act(project, "countermeasure-add"),
            {"title": "Shift start", "controllability": 5, "expected_effect": 4, "cost": 2},
        )
    )
    measure = project.countermeasures.get()
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    ok(
        member.post(
            _act(project, "countermeasure-select"),
            {"countermeasure": measure.pk, "owner": team["member"].pk, "due_date": due},
        )
    )
    advance(4)
    # 5. The after-measurement, as successes out of n.
    ok(
        member.post(
            _act(project, "measurement-add"),
            {
                "value": "92",
                "successes": 460,
                "sample_size": 500,
                "period_start": "2026-04-01",
                "period_end": "2026-04-30",
            },
        )
    )
    assert "statistically significant (p &lt; 0.001)" in _body(member.get(_step_url(project, 5)))
    advance(5)
    # 6. A standard and who was trained on it.
    ok(
        member.post(
            _act(project, "standard-add"),
            {"title": "Morning rota", "body": "Start at 8:30.", "effective_date": "2026-05-01"},
        )
    )
    standard = project.standards.get()
    ok(
        member.post(
            _act(project, "training-add"),
            {"standard": standard.pk, "trainee": team["member"].pk, "trained_on": "2026-01-10"},
        )
    )
    advance(6)
    # 7. Reflection, then completion.
    ok(
        member.post(
            _act(project, "reflection"), {"lessons_learned": "Measure first.", "next_topic": "IVR maze"}
        )
    )
    advance(7)

    assert project.status == Status.COMPLETED
    assert [e.kind for e in project.events.order_by("id")] == [EventKind.CREATED] + [
        EventKind.ADVANCED
    ] * 6 + [EventKind.COMPLETED]
    step_7 = _body(leader.get(_step_url(project, 7)))
    assert 'data-testid="start-next-project"' in step_7


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_3_and_30_projects(client, team, django_assert_num_queries):
    project_rows(3, leader=team["leader"], sponsor=team["sponsor"], members=[team["member"]])
    _as(client, team["leader"])
    url = reverse("tqm:project_list")
    few = _queries(client, url)
    project_rows(27, leader=team["leader"], sponsor=team["sponsor"], members=[team["member"]])
    with django_assert_num_queries(few):
        client.get(url)
    assert few == LIST_QUERIES


def _add_many_artefacts(project, by, n: int) -> None:
    """n more of every artefact a step page lists."""
    for i in range(n):
        services.topic_add(
            project=project, by=by, title=f"Topic {i}", urgency=3, controllability=3, time_bound=3
        )
        dataset = services.dataset_create(
            project=project, by=by, name=f"Set {i}", items=[("A", i + 1), ("B", 2)]
        )
        services.pareto_save(project=project, by=by, dataset=dataset)
        category = FishboneCategory.objects.filter(project=project).order_by("position")[i % 6]
        cause = services.cause_add(category=category, by=by, text=f"Cause {i}")
        services.cause_add(category=category, by=by, text=f"Sub-cause {i}", parent=cause)
        measure = services.countermeasure_add(
            project=project,
            by=by,
            title=f"Action {i}",
            controllability=3,
            expected_effect=3,
            cost=3,
            cause=cause,
        )
        if i % 2:
            services.countermeasure_select(measure=measure, by=by, owner=by, due_date=date(2026, 1, 1))
        services.measurement_record(
            project=project,
            by=by,
            value=Decimal("80"),
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 2),
        )
        standard = services.standard_create(
            project=project, by=by, title=f"Standard {i}", body="Text", effective_date=date(2026, 1, 1)
        )
        services.training_record_add(
            standard=standard, by=by, trainee=UserFactory(), trained_on=date(2026, 1, 1)
        )


@pytest.mark.parametrize("page", ["detail", *range(1, 8)])
def test_project_pages_run_the_same_queries_with_few_and_many_artefacts(client, team, page):
    few_project = _project(team, Step.REFLECT, filled=True)
    _add_many_artefacts(few_project, team["leader"], 1)
    many_project = _project(team, Step.REFLECT, filled=True)
    _add_many_artefacts(many_project, team["leader"], 8)
    _as(client, team["leader"])

    def url(project):
        if page == "detail":
            return reverse("tqm:project_detail", args=[project.pk])
        return _step_url(project, page)

    few = _queries(client, url(few_project))
    many = _queries(client, url(many_project))
    assert few == many == PAGE_QUERIES[page]


# Pinned, so that a template touching a relation the selector did not prefetch fails here.
# The list: session, user, roles, page count, step summary, the page's rows.
LIST_QUERIES = 6
# A project page: session, user, roles, the project and its 16 prefetches (step 7's gate reads only
# the project); steps 4 and 6 also read the active people once, for the owner and trainee selects.
PAGE_QUERIES = {"detail": 20, 1: 20, 2: 20, 3: 20, 4: 21, 5: 20, 6: 21, 7: 20}
