"""The TQM admin: every page opens; steps, status, numbers and history stay with the services."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import demo as accounts_demo
from apps.tqm import demo
from apps.tqm.models import (
    Countermeasure,
    Dataset,
    FishboneCategory,
    Measurement,
    Project,
    ProjectEvent,
    Standard,
    Topic,
)
from apps.tqm.steps import Status, Step
from qa_center.demo import DemoContext
from tests.factories import UserFactory

MODELS = {
    "project": Project,
    "projectevent": ProjectEvent,
    "topic": Topic,
    "dataset": Dataset,
    "fishbonecategory": FishboneCategory,
    "countermeasure": Countermeasure,
    "measurement": Measurement,
    "standard": Standard,
}
PROJECT_CHANGELIST_QUERIES = 6  # session, user, filtered count, full count, the page, the user's roles


def _seed_projects() -> None:
    """The demo's users and projects (no complaints, so nothing is pulled)."""
    ctx = DemoContext(scale="small", seed=3, rng=random.Random(3))
    accounts_demo.seed(ctx)
    demo.seed(ctx)


@pytest.fixture
def demo_projects(db):
    _seed_projects()


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _events_management_form(project: Project) -> dict:
    """The read-only step-history inline's formset, as the change page posts it back."""
    ids = list(project.events.order_by("created_at", "id").values_list("pk", flat=True))
    data = {
        "events-TOTAL_FORMS": str(len(ids)),
        "events-INITIAL_FORMS": str(len(ids)),
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    for index, pk in enumerate(ids):
        data[f"events-{index}-id"] = str(pk)
        data[f"events-{index}-project"] = str(project.pk)
    return data


@pytest.mark.parametrize("model", MODELS)
def test_each_changelist_and_change_page_opens(admin_client, demo_projects, model):
    assert admin_client.get(f"/admin/tqm/{model}/").status_code == 200
    for obj in MODELS[model].objects.all()[:3]:
        assert admin_client.get(f"/admin/tqm/{model}/{obj.pk}/change/").status_code == 200, obj


def test_project_changelist_queries_do_not_grow_with_the_rows(admin_client, demo_projects, monkeypatch):
    def changelist_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/tqm/project/?status=active")
        assert response.status_code == 200
        return len(queries)

    few = changelist_queries()
    rows_before = Project.objects.count()
    extra = demo.VOLUMES["small"].extra_projects + 20
    monkeypatch.setitem(demo.VOLUMES, "small", demo.Volume(extra_projects=extra))
    _seed_projects()  # the projects that exist are skipped; 20 more are built
    assert Project.objects.count() == rows_before + 20

    assert changelist_queries() == few == PROJECT_CHANGELIST_QUERIES


def test_step_and_status_are_read_only_and_only_wording_is_saved(admin_client, demo_projects):
    project = Project.objects.get(status=Status.ACTIVE, current_step=Step.COUNTERMEASURES)
    url = f"/admin/tqm/project/{project.pk}/change/"

    body = admin_client.get(url).content.decode()
    assert 'name="title"' in body
    for field in ("current_step", "status", "baseline", "leader", "sponsor"):
        assert f'name="{field}"' not in body, field
    assert 'name="events-0-note"' not in body  # the step history: shown, not editable

    response = admin_client.post(
        url,
        {
            "title": "Raise first-call resolution of network faults (FCR)",
            "problem_statement": project.problem_statement,
            "metric_name": project.metric_name,
            "metric_unit": project.metric_unit,
            "fishbone_effect": "",
            "current_step": Step.REFLECT,
            "status": Status.COMPLETED,
            "baseline": "1.00",
            **_events_management_form(project),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.title == "Raise first-call resolution of network faults (FCR)"
    assert (project.current_step, project.status, project.baseline) == (
        Step.COUNTERMEASURES,
        Status.ACTIVE,
        62,
    )


def test_nothing_is_added_or_deleted_in_the_admin(admin_client, demo_projects):
    project = Project.objects.filter(status=Status.ACTIVE).first()
    topic = Topic.objects.first()
    events = ProjectEvent.objects.count()

    assert admin_client.get("/admin/tqm/project/add/").status_code == 403
    assert admin_client.get("/admin/tqm/topic/add/").status_code == 403
    assert admin_client.post(f"/admin/tqm/project/{project.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"/admin/tqm/topic/{topic.pk}/delete/", {"post": "yes"}).status_code == 403
    event = ProjectEvent.objects.first()
    assert admin_client.post(f"/admin/tqm/projectevent/{event.pk}/change/", {"note": "x"}).status_code == 403
    assert (
        admin_client.post(f"/admin/tqm/projectevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert ProjectEvent.objects.count() == events
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_completed_project_and_its_rows_are_view_only(admin_client, demo_projects):
    project = Project.objects.get(status=Status.COMPLETED)
    topic = project.topics.first()

    page = admin_client.get(f"/admin/tqm/project/{project.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert 'name="title"' not in page
    response = admin_client.post(f"/admin/tqm/topic/{topic.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.title == demo.SHOWCASE.topics[0][0]


def test_an_open_projects_topic_wording_can_be_corrected_but_not_its_ratings(admin_client, demo_projects):
    topic = Topic.objects.filter(project__status=Status.ACTIVE, is_chosen=True).first()
    ratings = (topic.urgency, topic.controllability, topic.time_bound, topic.is_chosen)

    response = admin_client.post(
        f"/admin/tqm/topic/{topic.pk}/change/",
        {
            "title": "Corrected title",
            "description": "",
            "rationale": topic.rationale,
            "urgency": 1,
            "is_chosen": "",
        },
    )

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "Corrected title"
    assert (topic.urgency, topic.controllability, topic.time_bound, topic.is_chosen) == ratings
