"""The one-page A3 project report: the printable page, its PDF, and the plain-language z-test reading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.reports.charts.style import cjk_font_available
from apps.tqm import analysis, services
from apps.tqm.models import Project
from apps.tqm.report import describe_effect_test, format_quantity
from apps.tqm.steps import ActionStatus, DatasetPhase, Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASONS = [("Long queue", 120), ("IVR maze", 60), ("Dropped calls", 20)]
REASONS_AFTER = [("Long queue", 30), ("IVR maze", 25), ("Dropped calls", 15)]


# --- Building projects through the services ----------------------------------------------------


@dataclass
class Crew:
    leader: object
    member: object
    sponsor: object


def make_crew() -> Crew:
    return Crew(
        leader=UserFactory(username="lin", display_name="Lin Wei", roles=[Role.IMPROVEMENT_MEMBER]),
        member=UserFactory(username="mei", display_name="Mei Chen", roles=[Role.IMPROVEMENT_MEMBER]),
        sponsor=UserFactory(username="zhou", display_name="Director Zhou", roles=[Role.DUTY_MANAGER]),
    )


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def advance(project: Project, crew: Crew) -> Project:
    return services.project_advance(project=fresh(project), by=crew.leader)


def start_project(crew: Crew, *, title: str = "Raise satisfaction with call connection") -> Project:
    return services.project_create(
        by=crew.leader,
        title=title,
        problem_statement="Only 70% of callers are satisfied with how fast they get through.",
        metric_name="Connection satisfaction",
        metric_unit="%",
        baseline=Decimal("70"),
        target=Decimal("90"),
        baseline_successes=350,
        baseline_sample_size=500,
        sponsor=crew.sponsor,
        leader=crew.leader,
        members=[crew.member],
        start_date=date(2026, 8, 1),
        target_date=date(2026, 12, 31),
    )


def to_step_3_done(project: Project, crew: Crew, *, reasons=REASONS, extra_causes: int = 0) -> Project:
    """Topic chosen, data collected, a Pareto and a fishbone with a verified root cause; at step 4."""
    topic = services.topic_add(
        project=fresh(project),
        by=crew.member,
        title="Slow connection",
        urgency=5,
        controllability=4,
        time_bound=4,
    )
    services.topic_choose(topic=topic, by=crew.member, rationale="Most complaints are about waiting")
    advance(project, crew)
    services.data_plan_save(
        project=fresh(project),
        by=crew.member,
        source="Post-call survey",
        sampling_method="All surveys",
        sample_size=500,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 7, 31),
    )
    dataset = services.dataset_create(
        project=fresh(project), by=crew.member, name="Reasons July", items=reasons
    )
    advance(project, crew)
    services.pareto_save(project=fresh(project), by=crew.member, dataset=dataset)
    people, method = fresh(project).fishbone_categories.order_by("position")[:2]
    root = services.cause_add(
        category=people,
        by=crew.member,
        text="Too few agents at 9:00",
        is_root_cause=True,
        evidence="Staffing vs arrivals",
    )
    services.cause_add(category=people, by=crew.member, text="Rota ignores the Monday peak", parent=root)
    services.cause_add(category=method, by=crew.member, text="IVR menu has seven options")
    for number in range(extra_causes):
        services.cause_add(category=method, by=crew.member, text=f"Another cause {number}")
    return advance(project, crew)


def to_completed(
    project: Project, crew: Crew, *, extra_actions: int = 0, extra_standards: int = 0, complete: bool = True
) -> Project:
    """Countermeasures, effect, standards and lessons; the project ends completed (or at step 7)."""
    today = timezone.localdate()
    measure = services.countermeasure_add(
        project=fresh(project),
        by=crew.member,
        title="Add two agents to the 9:00 shift",
        controllability=5,
        expected_effect=5,
        cost=2,
        team_decides_alone=True,
    )
    services.countermeasure_select(
        measure=measure, by=crew.member, owner=crew.member, due_date=date(2026, 9, 30)
    )
    services.countermeasure_set_status(measure=measure, by=crew.member, status=ActionStatus.DONE)
    for number in range(extra_actions):
        extra = services.countermeasure_add(
            project=fresh(project),
            by=crew.member,
            title=f"Action {number}",
            controllability=3,
            expected_effect=3,
            cost=3,
        )
        services.countermeasure_select(
            measure=extra, by=crew.member, owner=crew.leader, due_date=date(2026, 10, 15)
        )
    advance(project, crew)
    services.measurement_record(
        project=fresh(project),
        by=crew.member,
        value=Decimal("92"),
        successes=460,
        sample_size=500,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
    )
    services.dataset_create(
        project=fresh(project),
        by=crew.member,
        name="Reasons November",
        items=REASONS_AFTER,
        phase=DatasetPhase.AFTER,
    )
    advance(project, crew)
    standard = services.standard_create(
        project=fresh(project),
        by=crew.member,
        title="Morning staffing rule",
        body="Two extra agents from 8:45 to 10:00 on weekdays.",
        effective_date=date(2026, 10, 1),
    )
    services.training_record_add(standard=standard, by=crew.member, trainee=crew.member, trained_on=today)
    for number in range(extra_standards):
        services.standard_create(
            project=fresh(project),
            by=crew.member,
            title=f"Standard {number}",
            body="Text",
            effective_date=date(2026, 10, 1),
        )
    advance(project, crew)
    services.reflection_save(
        project=fresh(project),
        by=crew.member,
        lessons_learned="Measure arrivals per 15 minutes before planning shifts.",
        next_topic="Shorten the IVR menu",
    )
    return advance(project, crew) if complete else fresh(project)


@pytest.fixture
def crew(db) -> Crew:
    return make_crew()


@pytest.fixture
def completed(crew) -> Project:
    project = to_completed(to_step_3_done(start_project(crew), crew), crew)
    assert project.status == Status.COMPLETED
    return project


# --- The page ---------------------------------------------------------------------------------


def test_report_shows_every_section_of_a_completed_project(client, crew, completed):
    client.force_login(crew.sponsor)
    response = client.get(reverse("tqm:project_report", args=[completed.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Raise satisfaction with call connection",
        "Leader: Lin Wei · Sponsor: Director Zhou",
        "Mei Chen",
        "Completed",
        "Only 70% of callers are satisfied",
        "Topic: Slow connection",
        "Metric: Connection satisfaction",
        "Target met.",
        "Significant at the 5% level: unlikely to be chance.",
        "Pareto analysis: Reasons July",
        "Vital few: Long queue, IVR maze",
        "Verified root causes:</strong> People: Too few agents at 9:00",
        "Add two agents to the 9:00 shift",
        "92% measured",
        "+22% against the baseline.",
        "1 of 1 selected countermeasures done.",
        "Morning staffing rule v1",
        "Training records: 1",
        "Measure arrivals per 15 minutes before planning shifts.",
        "Next topic: Shorten the IVR menu",
        "Download PDF",
    ):
        assert text in html, text
    metric = re.search(r'data-testid="report-metric">(.*?)</dl>', html, re.S)[1]
    assert re.findall(r"<dd>(.*?)</dd>", metric) == ["70%", "90%", "92%"]
    pareto_id = completed.paretos.get().pk
    # The page heads the charts itself, so they come without their own titles.
    assert f'src="/tqm/{completed.pk}/charts/pareto/{pareto_id}.svg?title=0"' in html
    assert f'src="/tqm/{completed.pk}/charts/fishbone.svg?title=0"' in html
    assert f'href="/tqm/{completed.pk}/report.pdf"' in html
    # Printing: the A3 stylesheet for paper only, and the button wired by a static script.
    assert 'href="/static/css/report-print.css" media="print"' in html
    assert 'src="/static/js/print.js"' in html
    assert "data-print hidden" in html
    assert "onclick" not in html


def test_report_of_a_new_project_says_what_is_not_there_yet(client, crew):
    project = start_project(crew)
    client.force_login(crew.leader)
    html = client.get(reverse("tqm:project_report", args=[project.pk])).content.decode()
    for text in (
        "Active · step 1 of 7: Select topic",
        "Not measured yet.",
        "No Pareto analysis yet.",
        "No causes recorded yet.",
        "No countermeasures selected yet.",
        "No after-measurement yet.",
        "No standards yet.",
        "Training records: 0",
    ):
        assert text in html, text
    assert "/charts/" not in html


def test_report_escapes_what_users_typed(client, crew):
    project = start_project(crew, title="<script>alert(1)</script>")
    client.force_login(crew.leader)
    html = client.get(reverse("tqm:project_report", args=[project.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("name", ["tqm:project_report", "tqm:project_report_pdf"])
def test_report_is_not_found_for_a_project_the_user_cannot_see(client, personas, crew, completed, name):
    client.force_login(personas[Role.AGENT])
    assert client.get(reverse(name, args=[completed.pk])).status_code == 404
    assert client.get(reverse(name, args=[completed.pk + 1000])).status_code == 404


@pytest.mark.parametrize("name", ["tqm:project_report", "tqm:project_report_pdf"])
def test_report_asks_anonymous_visitors_to_sign_in(client, completed, name):
    response = client.get(reverse(name, args=[completed.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _report_queries(client, user, project) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tqm:project_report", args=[project.pk])).status_code == 200
    return len(queries)


def test_report_runs_the_same_queries_however_much_the_project_holds(client, crew):
    small = to_completed(to_step_3_done(start_project(crew, title="Small"), crew), crew)
    big = to_completed(
        to_step_3_done(start_project(crew, title="Big"), crew, extra_causes=6),
        crew,
        extra_actions=8,
        extra_standards=4,
    )
    client.force_login(crew.sponsor)
    _report_queries(client, crew.sponsor, small)  # session and role caches warm
    assert _report_queries(client, crew.sponsor, small) == _report_queries(client, crew.sponsor, big) == 21


# --- The PDF ----------------------------------------------------------------------------------

A3_LANDSCAPE_MEDIABOX = re.compile(rb"/MediaBox \[\s*0 0 1190\.55\d* 841\.889\d*\s*\]")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_pdf_is_one_a3_landscape_page(client, crew, completed):
    client.force_login(crew.member)
    response = client.get(reverse("tqm:project_report_pdf", args=[completed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="project-{completed.pk}-report.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 1
    assert A3_LANDSCAPE_MEDIABOX.search(pdf)


def test_pdf_is_not_drawn_again_until_the_project_changes(client, crew):
    project = start_project(crew)
    client.force_login(crew.leader)
    url = reverse("tqm:project_report_pdf", args=[project.pk])
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.topic_add(
        project=fresh(project),
        by=crew.member,
        title="Slow connection",
        urgency=5,
        controllability=4,
        time_bound=4,
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_pdf_of_a_new_project_is_one_page_too(client, crew):
    project = start_project(crew)
    client.force_login(crew.leader)
    pdf = client.get(reverse("tqm:project_report_pdf", args=[project.pk])).content
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 1


@pytest.mark.skipif(not cjk_font_available(), reason="no CJK font on this machine")
def test_pdf_draws_chinese_with_the_cjk_font(client, crew):
    project = start_project(crew, title="提升接通满意度")
    project = to_step_3_done(project, crew, reasons=[("排队时间长", 120), ("语音导航复杂", 60), ("掉线", 20)])
    client.force_login(crew.leader)
    pdf = client.get(reverse("tqm:project_report_pdf", args=[project.pk])).content
    assert _pages(pdf) == 1
    assert b"NotoSansCJK" in pdf  # the Type 3 font the Chinese glyphs are drawn with


def test_pdf_with_long_texts_stays_on_one_page(client, crew):
    project = to_step_3_done(start_project(crew, title="Long " * 40), crew, extra_causes=5)
    services.project_update(project=fresh(project), by=crew.leader, problem_statement="Words " * 400)
    project = to_completed(project, crew, extra_actions=30, extra_standards=10)
    client.force_login(crew.leader)
    pdf = client.get(reverse("tqm:project_report_pdf", args=[project.pk])).content
    assert _pages(pdf) == 1


# --- Plain words --------------------------------------------------------------------------------


def test_effect_reading_of_a_significant_rise():
    result = analysis.two_proportion_test(
        before_successes=350, before_n=500, after_successes=460, after_n=500
    )
    reading = describe_effect_test(result)
    # Pooled p = 0.81, SE = √(0.81·0.19·(2/500)) = 0.024811, z = 0.22 / 0.024811 = 8.867.
    assert reading.numbers == "From 70.0% to 92.0% (+22.0 percentage points; z = 8.87, p < 0.001)."
    assert reading.verdict == "Significant at the 5% level: unlikely to be chance."
    # Unpooled SE = √(0.7·0.3/500 + 0.92·0.08/500) = 0.023816; 0.22 ± 1.96 × 0.023816.
    assert reading.interval == "95% confidence interval of the change: +17.3 to +26.7 percentage points."


def test_effect_reading_of_a_change_that_could_be_chance():
    # OpenStax Introductory Statistics §10.3, hives: 20 of 200 vs 12 of 200, p-value 0.1404.
    result = analysis.two_proportion_test(
        before_successes=20, before_n=200, after_successes=12, after_n=200, confidence=0.99
    )
    reading = describe_effect_test(result)
    assert reading.numbers == "From 10.0% to 6.0% (-4.0 percentage points; z = -1.47, p = 0.1404)."
    assert reading.verdict == "Not significant at the 1% level: the change could be chance."
    assert reading.interval == "99% confidence interval of the change: -11.0 to +3.0 percentage points."


def test_effect_reading_without_variation_says_there_is_nothing_to_test():
    result = analysis.two_proportion_test(before_successes=50, before_n=50, after_successes=40, after_n=40)
    reading = describe_effect_test(result)
    assert str(reading) == (
        "From 100.0% to 100.0%. "
        "Every item in both samples had the same outcome, so there is no variation to test."
    )


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("70.00"), "%", "70%"),
        (Decimal("3.50"), "min", "3.5 min"),
        (Decimal("-2.25"), "", "-2.25"),
        (Decimal("100"), "calls", "100 calls"),
        (Decimal("0.00"), "%", "0%"),
    ],
)
def test_format_quantity_drops_trailing_zeros(value, unit, text):
    assert format_quantity(value, unit) == text
