"""A TQM project from topic selection to completion in Chromium, through the pages a team uses:
each step's artefacts, the gate refusing until they exist, the leader advancing, the report."""

import pytest

from apps.accounts.roles import Role
from apps.tqm.models import Project
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.locator("[data-testid=main-nav]").wait_for()
    return context, page


def _submit(page, slug, target=None, **fields):
    """Fill the step form ``slug`` (of row ``target``), opening its panel if it is folded."""
    selector = f"form[data-testid={slug}]" + (f"[data-target='{target}']" if target else "")
    form = page.locator(selector)
    panel = page.locator(f"details:has({selector})")
    if panel.count() and not panel.first.evaluate("d => d.open"):
        panel.first.locator("summary").first.click()
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            field.select_option(str(value))
        elif tag.endswith(":checkbox"):
            field.check() if value else field.uncheck()
        else:
            field.fill(str(value))
    form.locator(f"[data-testid={slug}-submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error[role=alert]").count() == 0, page.locator(
        ".error[role=alert]"
    ).all_inner_texts()


def _image_loaded(image) -> bool:
    """The (lazily loaded) chart image arrives and decodes: scroll to it and wait."""
    image.scroll_into_view_if_needed()
    image.evaluate("img => img.decode()")
    return image.evaluate("img => img.naturalWidth") > 0


def _advance(page, project, to_step):
    page.click("[data-testid=advance]")
    page.wait_for_load_state()
    project.refresh_from_db()
    assert project.current_step == to_step


@pytest.mark.django_db(transaction=True)
def test_a_team_runs_a_project_from_step_1_to_7_in_the_browser(browser, live_server):
    leader = UserFactory(username="linfang", display_name="Lin Fang", roles=[Role.IMPROVEMENT_MEMBER])
    sponsor = UserFactory(username="zhouwei", display_name="Zhou Wei", roles=[Role.DUTY_MANAGER])
    context, page = _sign_in(browser, live_server, "linfang")

    # The leader starts the project.
    page.goto(f"{live_server.url}/tqm/")
    page.click("[data-testid=new-project]")
    page.fill("input[name=title]", "Raise satisfaction with call connection")
    page.fill("textarea[name=problem_statement]", "Only 70% of callers are satisfied with getting through.")
    page.fill("input[name=metric_name]", "Connection satisfaction")
    page.fill("input[name=metric_unit]", "%")
    page.fill("input[name=baseline]", "70")
    page.fill("input[name=target]", "90")
    page.fill("input[name=baseline_successes]", "350")
    page.fill("input[name=baseline_sample_size]", "500")
    page.select_option("select[name=sponsor]", str(sponsor.pk))
    page.click("[data-testid=project-submit]")
    page.wait_for_load_state()
    project = Project.objects.get()
    assert project.leader == leader
    step_url = f"{live_server.url}/tqm/{project.pk}/step/"

    # Step 1: the gate says what is missing until a topic is chosen.
    page.goto(f"{step_url}1/")
    assert "Choose one of the candidate topics" in page.locator("[data-testid=gate-missing]").inner_text()
    assert page.locator("[data-testid=advance]").is_disabled()
    _submit(page, "topic-add", title="Slow connection at peak", urgency=5, controllability=4, time_bound=4)
    topic = project.topics.get()
    _submit(page, "topic-choose", target=topic.pk, rationale="Most dissatisfied callers mention it.")
    _advance(page, project, 2)

    # Step 2: data plan and a dataset typed in.
    page.goto(f"{step_url}2/")
    _submit(
        page,
        "data-plan",
        source="Post-call survey",
        sampling_method="Every survey answer",
        sample_size=500,
        period_start="2026-07-01",
        period_end="2026-07-31",
    )
    _submit(
        page,
        "dataset-add",
        name="Reasons July",
        items="Long queue 排队时间长, 120\nIVR menu too deep, 60\nDropped calls, 20",
    )
    _advance(page, project, 3)

    # Step 3: a Pareto analysis, then a verified root cause on the fishbone.
    page.goto(f"{step_url}3/")
    _submit(page, "pareto-add", dataset=project.datasets.get().pk)
    table = page.locator("[data-testid=pareto-table]").first.inner_text()
    assert "60.00" in table
    assert "90.00" in table
    assert _image_loaded(page.locator("[data-testid=pareto-chart]").first)
    people_bone = project.fishbone_categories.order_by("position").first()
    _submit(
        page,
        "cause-add",
        target=people_bone.pk,
        text="Too few agents at 9:00",
        is_root_cause=True,
        evidence="Staffing against arrivals, July",
    )
    assert _image_loaded(page.locator("[data-testid=fishbone-chart]"))
    _advance(page, project, 4)

    # Step 4: a countermeasure, selected with an owner and a due date.
    page.goto(f"{step_url}4/")
    _submit(
        page,
        "countermeasure-add",
        title="Move two agents to an 8:30 start",
        controllability=5,
        expected_effect=4,
        cost=2,
        team_decides_alone=True,
    )
    measure = project.countermeasures.get()
    assert measure.priority == 160
    _submit(page, "countermeasure-select", target=measure.pk, owner=leader.pk, due_date="2026-09-30")
    _advance(page, project, 5)

    # Step 5: the after-measurement and the z-test in plain words.
    page.goto(f"{step_url}5/")
    _submit(
        page,
        "measurement-add",
        value="92",
        successes=460,
        sample_size=500,
        period_start="2026-10-01",
        period_end="2026-10-31",
    )
    assert page.locator("[data-testid=goal-met]").count() == 1
    assert "statistically significant" in page.locator("[data-testid=effect-sentence]").inner_text()
    _advance(page, project, 6)

    # Step 6: the new standard.
    page.goto(f"{step_url}6/")
    _submit(
        page,
        "standard-add",
        title="Morning staffing",
        body="Two agents start at 8:30 on weekdays.",
        effective_date="2026-10-01",
    )
    _advance(page, project, 7)

    # Step 7: lessons learned; advancing completes the project.
    page.goto(f"{step_url}7/")
    _submit(page, "reflection", lessons_learned="Measure before acting.", next_topic="IVR menu too deep")
    page.click("[data-testid=advance]")
    page.wait_for_load_state()
    project.refresh_from_db()
    assert project.status == "completed"
    assert list(project.events.values_list("kind", flat=True)) == [
        "created", "advanced", "advanced", "advanced", "advanced", "advanced", "advanced", "completed",
    ]  # fmt: skip

    # The one-page report has the figures and the charts.
    page.goto(f"{live_server.url}/tqm/{project.pk}/report/")
    assert "92" in page.locator("[data-testid=report-metric]").inner_text()
    charts = page.locator("[data-testid=project-report] img").all()
    assert charts
    for chart in charts:
        assert _image_loaded(chart)
    context.close()
