"""Calibration in Chromium: a QA manager opens a session, three evaluators score the same call
blind through the normal scoring page, the manager closes it and reads alpha and alignment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import CalibrationSession, Call
from apps.scorecards.services import CriterionInput, SectionInput
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory

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


@pytest.mark.django_db(transaction=True)
def test_three_evaluators_calibrate_and_the_manager_sees_alpha(browser, live_server):
    team = TeamFactory()
    agent = UserFactory(username="lina", display_name="Li Na", roles=[Role.AGENT], team=team)
    manager = UserFactory(username="wangfang", display_name="Wang Fang", roles=[Role.QA_MANAGER])
    evaluators = [
        UserFactory(username=name, display_name=name.title(), roles=[Role.QA_EVALUATOR])
        for name in ("zhangwei", "liuyang", "chenjing")
    ]
    scorecard = services.scorecard_create(
        by=manager,
        name="Inbound",
        pass_mark=80,
        sections=[
            SectionInput(
                "Opening",
                [
                    CriterionInput("Greets the caller", 5),
                    CriterionInput("Verifies identity", 10),
                    CriterionInput("Friendly tone", 4, kind="scale"),
                ],
            )
        ],
    )
    version = scorecard.current_version
    criteria = {c.text: c for c in version.criteria.all()}
    Call.objects.create(
        external_id="CALL-77",
        agent=agent,
        started_at=timezone.now() - timedelta(hours=2),
        duration_seconds=300,
    )

    # The manager opens the session with the first evaluator as the reference.
    context, page = _sign_in(browser, live_server, "wangfang")
    page.goto(f"{live_server.url}/qa/calibrations/")
    page.click("[data-testid=calibration-new]")
    page.fill("input[name=call]", "CALL-77")
    page.select_option("select[name=scorecard_version]", str(version.pk))
    for evaluator in evaluators:
        page.check(f"input[name=participants][value='{evaluator.pk}']")
    page.select_option("select[name=reference]", str(evaluators[0].pk))
    page.click("[data-testid=calibration-create]")
    page.wait_for_load_state()
    session = CalibrationSession.objects.get()
    context.close()

    # Each evaluator scores the call blind through the normal scoring page.
    answers = {"zhangwei": (5, 10, 4), "liuyang": (5, 10, 3), "chenjing": (0, 10, 2)}
    for evaluator in evaluators:
        context, page = _sign_in(browser, live_server, evaluator.username)
        page.goto(f"{live_server.url}/qa/calibrations/{session.pk}/")
        assert page.locator("[data-testid=calibration-results]").count() == 0
        page.click("[data-testid=score-now]")
        greet, verify, tone = answers[evaluator.username]
        page.check(f"input[name=value_{criteria['Greets the caller'].pk}][value='{greet}']")
        page.check(f"input[name=value_{criteria['Verifies identity'].pk}][value='{verify}']")
        page.select_option(f"select[name=value_{criteria['Friendly tone'].pk}]", str(tone))
        page.click("[data-testid=submit-evaluation]")
        page.wait_for_load_state()
        # Blind: the session page shows who submitted, never a score.
        body = page.locator("main").inner_text()
        assert "100.00" not in body
        context.close()

    # The manager closes the session and reads the agreement.
    context, page = _sign_in(browser, live_server, "wangfang")
    page.goto(f"{live_server.url}/qa/calibrations/{session.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())  # "Close the session? …"
    page.click("[data-testid=calibration-close]")
    page.locator("[data-testid=calibration-results]").wait_for()
    session.refresh_from_db()
    assert session.is_closed
    assert session.alpha_interval is not None
    alpha_text = page.locator("[data-testid=calibration-alpha]").inner_text()
    assert f"{session.alpha_interval:.3f}" in alpha_text
    results = page.locator("[data-testid=calibration-results]").inner_text()
    # chenjing missed the greeting: 12 of 19 points = 63.16, far outside ±5 of the reference's 100.
    assert "63.16" in results
    assert "Chenjing" in results
    for row in session.scores.all():
        assert row.alignment is not None
    context.close()
