"""Step-2 count sources (apps/tqm/sources.py): the registry the other apps fill, and datasets pulled
from real complaint tickets and QA evaluations made through those apps' services."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services as qa_services
from apps.scorecards.models import Criterion
from apps.tqm import services, sources
from apps.tqm.models import Dataset, DatasetItem
from apps.tqm.steps import DatasetPhase, DatasetSource, Step
from qa_center.errors import ValidationFailed
from tests.complaints.factories import CategoryFactory, create_ticket
from tests.scorecards.factories import CallFactory, typical_scorecard
from tests.tqm.factories import project_at_step

pytestmark = pytest.mark.django_db

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(year, month, day, hour=10):
    """A moment in the project's time zone (Asia/Shanghai), for time_machine."""
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def pull(project, source_key, period=MARCH, name="Pulled", **kwargs):
    return services.dataset_pull(
        project=project,
        by=project.leader,
        name=name,
        source_key=source_key,
        period_start=period[0],
        period_end=period[1],
        **kwargs,
    )


# --- The registry -------------------------------------------------------------------------


def test_complaints_and_qa_register_their_sources():
    assert [(s.key, str(s.label)) for s in sources.all_sources()] == [
        ("complaints_by_category", "Complaints by category"),
        ("failed_qa_criteria", "Failed QA criteria"),
    ]
    assert [(key, str(label)) for key, label in sources.choices()] == [
        ("complaints_by_category", "Complaints by category"),
        ("failed_qa_criteria", "Failed QA criteria"),
    ]
    assert sources.get("nowhere") is None


def test_registering_a_key_again_replaces_the_source(monkeypatch):
    monkeypatch.setattr(sources, "_REGISTRY", dict(sources._REGISTRY))
    sources.register("complaints_by_category", "Replaced", lambda start, end: [("X", 1)])
    assert sources.get("complaints_by_category").label == "Replaced"
    assert len(sources.all_sources()) == 2


def test_the_api_lists_the_sources(api_as, personas):
    response = api_as(personas[Role.IMPROVEMENT_MEMBER]).get("/api/v1/tqm/sources/")
    assert response.status_code == 200
    assert response.json() == [
        {"key": "complaints_by_category", "label": "Complaints by category"},
        {"key": "failed_qa_criteria", "label": "Failed QA criteria"},
    ]


def test_the_sources_list_needs_a_signed_in_user(api):
    assert api.get("/api/v1/tqm/sources/").status_code == 401


# --- Complaints by category ---------------------------------------------------------------


@pytest.fixture
def march_tickets(personas):
    """Billing ×3 and Network ×1 opened in March (one just after local midnight on 1 March, which
    is still February in UTC), Network ×2 in February and Billing ×1 in April."""
    billing, network = CategoryFactory(name="Billing"), CategoryFactory(name="Network")
    agent = personas[Role.AGENT]
    for moment, category in [
        (at(2026, 2, 27), network),
        (at(2026, 2, 28), network),
        (at(2026, 3, 1, hour=7), billing),
        (at(2026, 3, 10), billing),
        (at(2026, 3, 12), network),
        (at(2026, 3, 31, hour=23), billing),
        (at(2026, 4, 1), billing),
    ]:
        with time_machine.travel(moment, tick=False):
            create_ticket(agent, category=category)


def test_pull_counts_complaints_by_category_for_the_period(march_tickets):
    project = project_at_step(Step.COLLECT_DATA)
    dataset = pull(project, "complaints_by_category", name="Complaints March")
    assert (dataset.source, dataset.source_key, dataset.period_start, dataset.period_end, dataset.phase) == (
        DatasetSource.PULLED,
        "complaints_by_category",
        date(2026, 3, 1),
        date(2026, 3, 31),
        DatasetPhase.BEFORE,
    )
    assert list(dataset.items.values_list("label", "count", "position")) == [
        ("Billing", 3, 0),
        ("Network", 1, 1),
    ]


def test_a_pulled_dataset_opens_the_step_2_gate_with_the_plan(march_tickets):
    project = project_at_step(Step.COLLECT_DATA)
    services.data_plan_save(
        project=project,
        by=project.leader,
        source="Complaint tickets",
        sampling_method="All tickets",
        sample_size=4,
        period_start=MARCH[0],
        period_end=MARCH[1],
    )
    pull(project, "complaints_by_category")
    project = services.project_advance(project=project, by=project.leader)
    assert project.current_step == 3


def test_after_data_can_be_pulled_at_step_5(march_tickets):
    project = project_at_step(Step.EFFECT)
    dataset = pull(project, "complaints_by_category", name="After", phase=DatasetPhase.AFTER)
    assert dataset.phase == DatasetPhase.AFTER


def test_a_period_without_complaints_is_refused(march_tickets):
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(
        ValidationFailed, match=r"^Complaints by category has no data between 2026-01-01 and 2026-01-31\.$"
    ) as info:
        pull(project, "complaints_by_category", period=(date(2026, 1, 1), date(2026, 1, 31)))
    assert list(info.value.fields) == ["period_start"]
    assert Dataset.objects.count() == 0


def test_an_unknown_source_is_refused():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^Please correct the dataset\.$") as info:
        pull(project, "call_recordings")
    assert info.value.fields == {"source_key": ["Unknown data source."]}
    assert Dataset.objects.count() == 0


def test_a_reversed_period_and_a_taken_name_are_refused_together(march_tickets):
    project = project_at_step(Step.COLLECT_DATA)
    pull(project, "complaints_by_category", name="Complaints")
    with pytest.raises(ValidationFailed) as info:
        pull(
            project, "complaints_by_category", name="Complaints", period=(date(2026, 3, 31), date(2026, 3, 1))
        )
    assert info.value.fields == {
        "name": ["This project already has a dataset with this name."],
        "period_end": ["The period cannot end before it starts."],
    }
    assert Dataset.objects.count() == 1


def test_pulling_before_step_2_is_refused(march_tickets):
    project = project_at_step(Step.SELECT_TOPIC)
    with pytest.raises(ValidationFailed, match=r"^Step 2 is not open yet: the project is at step 1\.$"):
        pull(project, "complaints_by_category")
    assert Dataset.objects.count() == 0


def test_pull_through_the_api(api_as, march_tickets):
    project = project_at_step(Step.COLLECT_DATA)
    response = api_as(project.leader).post(
        f"/api/v1/tqm/projects/{project.pk}/datasets/",
        {
            "name": "Complaints March",
            "source_key": "complaints_by_category",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        key: body[key] for key in ("name", "phase", "source", "source_key", "period_start", "period_end")
    } == {
        "name": "Complaints March",
        "phase": "before",
        "source": "pulled",
        "source_key": "complaints_by_category",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
    }
    assert body["items"] == [{"label": "Billing", "count": 3}, {"label": "Network", "count": 1}]


def test_api_pull_needs_both_dates_and_a_known_source(api_as):
    project = project_at_step(Step.COLLECT_DATA)
    client = api_as(project.leader)
    url = f"/api/v1/tqm/projects/{project.pk}/datasets/"
    response = client.post(
        url, {"name": "X", "source_key": "complaints_by_category", "period_start": "2026-03-01"}
    )
    assert response.status_code == 400
    assert response.json()["period_start"] == ["A pulled dataset needs period_start and period_end."]
    response = client.post(
        url, {"name": "X", "source_key": "nowhere", "period_start": "2026-03-01", "period_end": "2026-03-31"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Please correct the dataset.",
        "source_key": ["Unknown data source."],
    }
    assert Dataset.objects.count() == 0


# --- Failed QA criteria -------------------------------------------------------------------


@pytest.fixture
def march_evaluations(personas, team):
    """Evaluations submitted through the QA service by the QA manager persona:
    in March, one perfect and two that fail "Explains the solution" (one also "Greets the customer");
    one in February that fails everything it can. N/A on "Offers further help" is not a failure."""
    manager = personas[Role.QA_MANAGER]
    card = typical_scorecard(created_by=manager)
    plans = [
        (at(2026, 2, 20), {"greet": 0, "verify": 0, "resolve": 0, "offer_help": 0}),
        (at(2026, 3, 2), {"resolve": 10}),
        (at(2026, 3, 9), {"resolve": 6}),
        (at(2026, 3, 16), {"greet": 0, "resolve": 9, "offer_help": "na"}),
    ]
    for moment, points in plans:
        with time_machine.travel(moment, tick=False):
            call = CallFactory(agent=personas[Role.AGENT])
            qa_services.evaluation_save(
                by=manager, call=call, version=card.version, answers=card.answers(**points), submit=True
            )
    return card


def test_pull_counts_failed_qa_criteria_for_the_period(march_evaluations):
    project = project_at_step(Step.COLLECT_DATA)
    dataset = pull(project, "failed_qa_criteria", name="Failed criteria March")
    assert dataset.source_key == "failed_qa_criteria"
    assert list(dataset.items.values_list("label", "count")) == [
        ("Explains the solution", 2),
        ("Greets the customer", 1),
    ]


def test_a_period_without_failed_criteria_is_refused(march_evaluations):
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(
        ValidationFailed, match=r"^Failed QA criteria has no data between 2026-04-01 and 2026-04-30\.$"
    ):
        pull(project, "failed_qa_criteria", period=(date(2026, 4, 1), date(2026, 4, 30)))
    assert Dataset.objects.count() == 0


def test_a_criterion_text_longer_than_a_label_is_shortened(personas):
    manager = personas[Role.QA_MANAGER]
    card = typical_scorecard(created_by=manager)
    long_text = "Explains " + "the solution step by step " * 12
    Criterion.objects.filter(pk=card.resolve.pk).update(text=long_text)
    with time_machine.travel(at(2026, 3, 9), tick=False):
        qa_services.evaluation_save(
            by=manager,
            call=CallFactory(agent=personas[Role.AGENT]),
            version=card.version,
            answers=card.answers(resolve=3),
            submit=True,
        )
    project = project_at_step(Step.COLLECT_DATA)
    dataset = pull(project, "failed_qa_criteria")
    item = DatasetItem.objects.get(dataset=dataset)
    assert len(long_text) > 200
    assert item.label == long_text.strip()[:199] + "…"
    assert len(item.label) == 200
    assert item.count == 1


def test_a_source_fetch_is_given_the_period_and_its_pairs_are_checked(monkeypatch):
    project = project_at_step(Step.COLLECT_DATA)
    asked = []

    def fetch(start, end):
        asked.append((start, end))
        return [("Alpha", 2), ("Beta", -1)]

    monkeypatch.setattr(sources, "_REGISTRY", dict(sources._REGISTRY))
    sources.register("broken", "Broken source", fetch)
    with pytest.raises(ValidationFailed, match=r'^The count of "Beta" cannot be negative\.$'):
        pull(project, "broken")
    assert asked == [MARCH]
    assert Dataset.objects.count() == 0
