"""TQM project charts: latest Pareto, fishbone, before/after — data, drawing, CSV and redraw on change."""

import re

import pytest
from django.utils import translation

from apps.reports import kinds, services
from apps.reports.charts.render import to_svg
from apps.reports.kinds import NothingToDraw
from apps.reports.models import ChartSnapshot
from apps.reports.periods import CURRENT
from apps.reports.scopes import Scope
from apps.tqm import services as tqm_services
from apps.tqm.models import DatasetPhase
from apps.tqm.steps import Step
from tests.tqm.factories import BEFORE_COUNTS, ROOT_CAUSE, project_at_step

pytestmark = pytest.mark.django_db

AFTER_COUNTS = [("Long queue", 30), ("IVR maze", 50), ("Dropped calls", 10)]


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<!-- (.*?) -->", svg, re.S)


def collect(name: str, project) -> dict:
    kind = kinds.get(name)
    return kind.collect(Scope("project", project.pk), kind.current_period(None))


@pytest.fixture
def project():
    """At step 4: a dataset "Reasons before", its Pareto, and a verified root cause on the fishbone."""
    return project_at_step(Step.COUNTERMEASURES)


@pytest.fixture
def with_after(project):
    project = project_at_step(Step.EFFECT)
    tqm_services.dataset_create(
        project=project, by=project.leader, name="Reasons after", items=AFTER_COUNTS, phase=DatasetPhase.AFTER
    )
    return project


def test_pareto_data_is_the_latest_saved_analysis(project):
    data = collect("tqm_pareto", project)
    assert data["dataset"] == "Reasons before"
    assert data["total"] == sum(count for _label, count in BEFORE_COUNTS)
    assert [
        (row["label"], row["count"], row["percent"], row["cumulative_percent"]) for row in data["rows"]
    ] == [
        ("Long queue", 120, 60.0, 60.0),
        ("IVR maze", 60, 30.0, 90.0),
        ("Dropped calls", 20, 10.0, 100.0),
    ]
    assert [row["vital_few"] for row in data["rows"]] == [True, True, False]


def test_pareto_draws_title_and_categories(project):
    kind = kinds.get("tqm_pareto")
    texts = svg_texts(to_svg(kind.draw(collect("tqm_pareto", project))))
    assert "Pareto analysis: Reasons before" in texts
    assert {"Long queue", "IVR maze", "Dropped calls"} <= set(texts)


def test_fishbone_data_names_the_effect_and_verified_causes(project):
    data = collect("tqm_fishbone", project)
    assert data["effect"] == project.effect_text
    causes = [cause for category in data["categories"] for cause in category["causes"]]
    assert causes == [{"text": ROOT_CAUSE, "verified": True, "children": []}]
    texts = " ".join(svg_texts(to_svg(kinds.get("tqm_fishbone").draw(data))))
    assert ROOT_CAUSE in texts
    assert "Verified root cause" in texts


def test_fishbone_csv_lists_every_cause(project):
    header, rows = kinds.get("tqm_fishbone").table(collect("tqm_fishbone", project))
    assert header == ["Category", "Cause", "Sub-cause", "Verified root cause"]
    assert [row[1:] for row in rows] == [[ROOT_CAUSE, "", "yes"]]


def test_before_after_compares_the_latest_datasets_of_each_phase(with_after):
    data = collect("tqm_before_after", with_after)
    assert (data["before"]["dataset"], data["before"]["total"]) == ("Reasons before", 200)
    assert (data["after"]["dataset"], data["after"]["total"]) == ("Reasons after", 90)
    assert [row["label"] for row in data["after"]["rows"]] == ["IVR maze", "Long queue", "Dropped calls"]
    texts = svg_texts(to_svg(kinds.get("tqm_before_after").draw(data)))
    assert "Before: Reasons before (total 200)" in texts
    assert "After: Reasons after (total 90)" in texts
    header, rows = kinds.get("tqm_before_after").table(data)
    assert header[:3] == ["Phase", "Category", "Count"]
    assert rows[0][:3] == ["Before", "Long queue", 120]
    assert rows[3][:3] == ["After", "IVR maze", 50]


def test_projects_without_the_data_draw_nothing():
    early = project_at_step(Step.SELECT_TOPIC)
    for name in ("tqm_pareto", "tqm_fishbone", "tqm_before_after"):
        with pytest.raises(NothingToDraw):
            collect(name, early)


def test_scopes_are_the_projects_with_something_to_draw(project, with_after):
    early = project_at_step(Step.SELECT_TOPIC)
    assert Scope("project", early.pk) not in kinds.get("tqm_pareto").scopes()
    assert set(kinds.get("tqm_pareto").scopes()) == {
        Scope("project", project.pk),
        Scope("project", with_after.pk),
    }
    assert kinds.get("tqm_before_after").scopes() == [Scope("project", with_after.pk)]


def test_the_period_is_current_and_regenerating_replaces(project):
    kind = kinds.get("tqm_pareto")
    first = services.generate(kind, Scope("project", project.pk))
    second = services.generate(kind, Scope("project", project.pk))
    assert first.pk == second.pk
    assert (second.period, second.period_start, second.period_end) == (CURRENT, None, None)
    assert second.scope_label == project.title


def test_a_current_chart_whose_data_is_gone_is_removed(project, media_root):
    kind = kinds.get("tqm_pareto")
    snapshot = services.generate(kind, Scope("project", project.pk))
    folder = media_root / snapshot.images.first().svg.name.rsplit("/", 1)[0]
    project.paretos.all().delete()
    with pytest.raises(NothingToDraw):
        services.generate(kind, Scope("project", project.pk))
    assert not ChartSnapshot.objects.exists()
    assert list(folder.iterdir()) == []


def test_chinese_drawing_translates_the_title(project):
    data = collect("tqm_pareto", project)
    with translation.override("zh-hans"):
        texts = svg_texts(to_svg(kinds.get("tqm_pareto").draw(data)))
    assert "Pareto analysis: Reasons before" not in texts
    assert "Long queue" in texts
