"""The project pages in Simplified Chinese: no English interface text left on any step page, the
report, or the charts' titles and axes."""

import re

import pytest
from django.utils import translation

from apps.tqm.models import Cause, DataPlan, DatasetItem, FishboneCategory, Project, Topic
from apps.tqm.steps import Step
from tests.core.test_i18n import UNTRANSLATED_OK, _po_entries, _switch_to_chinese
from tests.tqm.factories import project_at_step

pytestmark = pytest.mark.django_db


def _data_strings(project: Project) -> list[str]:
    """What the team typed (titles, labels, names): data, not interface text."""
    strings = [
        project.title,
        project.problem_statement,
        project.metric_name,
        project.leader.name,
        project.sponsor.name,
        project.leader.username,
        *project.members.values_list("display_name", flat=True),
        *Topic.objects.filter(project=project).values_list("title", flat=True),
        *Topic.objects.filter(project=project).values_list("rationale", flat=True),
        *DatasetItem.objects.filter(dataset__project=project).values_list("label", flat=True),
        *project.datasets.values_list("name", flat=True),
        *FishboneCategory.objects.filter(project=project).values_list("name", flat=True),
        *Cause.objects.filter(category__project=project).values_list("text", flat=True),
        *Cause.objects.filter(category__project=project).values_list("evidence", flat=True),
        *project.countermeasures.values_list("title", flat=True),
        *project.standards.values_list("title", flat=True),
        *project.standards.values_list("body", flat=True),
        *DataPlan.objects.filter(project=project).values_list("source", "sampling_method", "notes").first(),
        project.lessons_learned,
        project.next_topic,
    ]
    return sorted((s for s in strings if s), key=len, reverse=True)


def _english_leftovers(body: str, data: list[str]) -> list[str]:
    text = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for value in data:
        text = text.replace(value, " ")
    # The CSV header a file must start with is a literal token, in every language.
    text = text.replace("category,count", " ")
    return [
        msgid
        for msgid, _msgstr, _fuzzy, _plural in _po_entries()
        if msgid not in UNTRANSLATED_OK
        and "%(" not in msgid
        and len(msgid) > 3
        and re.search(rf"\b{re.escape(msgid)}\b", text)
    ]


@pytest.fixture
def chinese_project():
    # A Chinese-speaking team creates it: the 6M bones get their Chinese names.
    with translation.override("zh-hans"):
        return project_at_step(Step.REFLECT, filled=True)


@pytest.mark.parametrize(
    "page",
    ["", "edit/", "step/1/", "step/2/", "step/3/", "step/4/", "step/5/", "step/6/", "step/7/", "report/"],
)
def test_project_pages_are_all_chinese(client, chinese_project, page):
    client.force_login(chinese_project.leader)
    _switch_to_chinese(client)
    response = client.get(f"/tqm/{chinese_project.pk}/{page}")
    assert response.status_code == 200
    assert _english_leftovers(response.content.decode(), _data_strings(chinese_project)) == []


def test_the_6m_bones_are_named_in_the_creators_language(chinese_project):
    names = list(FishboneCategory.objects.filter(project=chinese_project).values_list("name", flat=True))
    assert len(names) == 6
    assert [name for name in names if not re.search(r"[\u4e00-\u9fff]", name)] == []


def test_chart_titles_follow_the_language(client, chinese_project):
    client.force_login(chinese_project.leader)
    _switch_to_chinese(client)
    svg = client.get(f"/tqm/{chinese_project.pk}/charts/fishbone.svg").content.decode()
    with translation.override("zh-hans"):
        legend = translation.gettext("Verified root cause")
    assert legend != "Verified root cause"
    assert legend in svg
