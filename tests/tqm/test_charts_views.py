"""A project's charts as SVG (inline) and PNG (download): content, scope, formats and caching."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.tqm import services
from apps.tqm.steps import DatasetPhase
from tests.tqm.test_report import (
    REASONS,
    fresh,
    make_crew,
    start_project,
    to_completed,
    to_step_3_done,
)

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def svg_texts(svg: str) -> list[str]:
    """The texts of an SVG drawn with glyphs as paths: matplotlib writes each one as a comment."""
    return re.findall(r"<!-- (.*?) -->", svg, re.S)


@pytest.fixture
def crew(db):
    return make_crew()


@pytest.fixture
def project(crew):
    """At step 4: a Pareto of "Reasons July" and a fishbone with a verified root cause."""
    return to_step_3_done(start_project(crew), crew)


def _pareto_url(project, fmt="svg", pareto_id=None):
    pareto_id = pareto_id or project.paretos.get().pk
    return reverse("tqm:pareto_chart", args=[project.pk, pareto_id, fmt])


# --- Content ----------------------------------------------------------------------------------


def test_pareto_svg_shows_the_categories_and_the_title(client, crew, project):
    client.force_login(crew.member)
    response = client.get(_pareto_url(project))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("inline;")
    texts = svg_texts(response.content.decode())
    for label, _count in REASONS:
        assert label in texts
    assert "Pareto analysis: Reasons July" in texts
    assert {"Count", "Cumulative %", "Vital few"} <= set(texts)


def test_pareto_png_is_a_download(client, crew, project):
    client.force_login(crew.member)
    pareto_id = project.paretos.get().pk
    response = client.get(_pareto_url(project, "png"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="project-{project.pk}-pareto-{pareto_id}.png"'
    )
    assert response.content.startswith(PNG_SIGNATURE)


def test_fishbone_svg_shows_effect_categories_and_causes(client, crew, project):
    client.force_login(crew.sponsor)
    response = client.get(reverse("tqm:fishbone_chart", args=[project.pk, "svg"]))
    assert response.status_code == 200
    texts = svg_texts(response.content.decode())
    for text in (
        "People",
        "Method",
        "Environment",
        "Too few agents at 9:00",
        "IVR menu has seven options",
        "Verified root cause",
        "Cause analysis: Raise satisfaction with call connection",
    ):
        assert text in texts, text
    # A wrapped cause is written line by line, one comment per line.
    assert "Rota ignores the Monday peak" in " ".join(texts)


def test_fishbone_png(client, crew, project):
    client.force_login(crew.member)
    response = client.get(reverse("tqm:fishbone_chart", args=[project.pk, "png"]))
    assert response.content.startswith(PNG_SIGNATURE)
    assert response["Content-Disposition"] == f'attachment; filename="project-{project.pk}-fishbone.png"'


def test_chinese_labels_reach_the_svg(client, crew):
    project = to_step_3_done(
        start_project(crew, title="提升接通满意度"), crew, reasons=[("排队时间长", 120), ("语音导航复杂", 60)]
    )
    client.force_login(crew.member)
    texts = svg_texts(client.get(_pareto_url(project)).content.decode())
    assert {"排队时间长", "语音导航复杂"} <= set(texts)


def test_labels_cannot_inject_markup_into_the_svg(client, crew):
    project = to_step_3_done(
        start_project(crew), crew, reasons=[("<script>alert(1)</script>", 5), ("a --> b", 3)]
    )
    client.force_login(crew.member)
    response = client.get(_pareto_url(project))
    svg = response.content.decode()
    assert "<script" not in svg
    assert "--> b" not in svg
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


# --- Before / after ---------------------------------------------------------------------------


@pytest.fixture
def finished(crew, project):
    return to_completed(project, crew)


def test_before_after_defaults_to_the_latest_before_and_after_datasets(client, crew, finished):
    client.force_login(crew.member)
    response = client.get(reverse("tqm:before_after_chart", args=[finished.pk, "svg"]))
    assert response.status_code == 200
    texts = svg_texts(response.content.decode())
    assert "Before: Reasons July (total 200)" in texts
    assert "After: Reasons November (total 70)" in texts
    assert "Before and after the countermeasures" in texts


def test_before_after_draws_the_datasets_asked_for(client, crew, project):
    at_step_7 = to_completed(project, crew, complete=False)
    services.dataset_create(
        project=fresh(at_step_7),
        by=crew.member,
        name="Reasons December",
        items=[("Long queue", 10), ("IVR maze", 5)],
        phase=DatasetPhase.AFTER,
    )
    november = at_step_7.datasets.get(name="Reasons November")
    client.force_login(crew.member)
    url = reverse("tqm:before_after_chart", args=[project.pk, "svg"])
    assert "After: Reasons December (total 15)" in svg_texts(client.get(url).content.decode())
    asked = client.get(url, {"after": november.pk})
    assert "After: Reasons November (total 70)" in svg_texts(asked.content.decode())
    png = client.get(reverse("tqm:before_after_chart", args=[project.pk, "png"]), {"after": november.pk})
    assert png.content.startswith(PNG_SIGNATURE)
    assert png["Content-Disposition"] == f'attachment; filename="project-{project.pk}-before-after.png"'


def test_before_after_is_not_found_without_an_after_dataset(client, crew, project):
    client.force_login(crew.member)
    assert client.get(reverse("tqm:before_after_chart", args=[project.pk, "svg"])).status_code == 404


@pytest.mark.parametrize("query", [{"before": "abc"}, {"after": "999999"}, {"before": "-1"}])
def test_before_after_is_not_found_for_a_dataset_outside_the_project(client, crew, finished, query):
    client.force_login(crew.member)
    url = reverse("tqm:before_after_chart", args=[finished.pk, "svg"])
    assert client.get(url, query).status_code == 404


def test_before_after_will_not_draw_another_projects_dataset(client, crew, finished):
    other = to_step_3_done(start_project(crew, title="Other project"), crew)
    foreign = other.datasets.get()
    client.force_login(crew.member)
    url = reverse("tqm:before_after_chart", args=[finished.pk, "svg"])
    assert client.get(url, {"before": foreign.pk}).status_code == 404


# --- Scope and formats ------------------------------------------------------------------------


def _all_chart_urls(project, fmt="svg"):
    return [
        _pareto_url(project, fmt),
        reverse("tqm:fishbone_chart", args=[project.pk, fmt]),
        reverse("tqm:before_after_chart", args=[project.pk, fmt]),
    ]


@pytest.mark.parametrize("fmt", ["pdf", "gif", "SVG", "svgz"])
def test_unknown_formats_are_not_found(client, crew, finished, fmt):
    client.force_login(crew.member)
    for url in _all_chart_urls(finished, fmt):
        assert client.get(url).status_code == 404, url


def test_charts_of_a_project_the_user_cannot_see_are_not_found(client, personas, finished):
    client.force_login(personas[Role.AGENT])
    for url in _all_chart_urls(finished):
        assert client.get(url).status_code == 404, url


def test_readers_of_every_project_see_the_charts(client, personas, finished):
    client.force_login(personas[Role.QA_MANAGER])
    for url in _all_chart_urls(finished):
        assert client.get(url).status_code == 200, url


def test_a_pareto_of_another_project_is_not_found(client, crew, project):
    other = to_step_3_done(start_project(crew, title="Other project"), crew)
    client.force_login(crew.member)
    url = reverse("tqm:pareto_chart", args=[project.pk, other.paretos.get().pk, "svg"])
    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, finished):
    for url in _all_chart_urls(finished):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_charts_refuse_writes(client, crew, project):
    client.force_login(crew.member)
    assert client.post(_pareto_url(project)).status_code == 405


# --- Caching ----------------------------------------------------------------------------------


def test_an_unchanged_chart_is_not_drawn_again(client, crew, project):
    client.force_login(crew.member)
    url = reverse("tqm:fishbone_chart", args=[project.pk, "svg"])
    first = client.get(url)
    assert first["ETag"]
    assert first["Last-Modified"]
    assert "private" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_change_to_the_project_gives_the_chart_a_new_etag(client, crew, project):
    client.force_login(crew.member)
    url = reverse("tqm:fishbone_chart", args=[project.pk, "svg"])
    first = client.get(url)
    category = fresh(project).fishbone_categories.get(position=2)
    services.cause_add(category=category, by=crew.member, text="Old headsets")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "Old headsets" in svg_texts(changed.content.decode())


def test_the_etag_depends_on_the_language_and_the_format(client, crew, project):
    client.force_login(crew.member)
    english = client.get(_pareto_url(project), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(_pareto_url(project), HTTP_ACCEPT_LANGUAGE="zh-hans")
    png = client.get(_pareto_url(project, "png"), HTTP_ACCEPT_LANGUAGE="en")
    assert len({english["ETag"], chinese["ETag"], png["ETag"]}) == 3
    assert client.get(_pareto_url(project), HTTP_IF_NONE_MATCH=chinese["ETag"]).status_code == 200


def test_charts_can_leave_their_title_to_the_page(client, crew, project):
    client.force_login(crew.member)
    pareto = svg_texts(client.get(_pareto_url(project), {"title": "0"}).content.decode())
    assert "Long queue" in pareto
    assert not any(text.startswith("Pareto analysis") for text in pareto)
    fishbone_url = reverse("tqm:fishbone_chart", args=[project.pk, "svg"])
    fishbone = svg_texts(client.get(fishbone_url, {"title": "0"}).content.decode())
    assert "Too few agents at 9:00" in fishbone
    assert not any(text.startswith("Cause analysis") for text in fishbone)
