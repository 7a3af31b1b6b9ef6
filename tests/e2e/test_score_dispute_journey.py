"""The QA journey in Chromium: an evaluator scores a call from the queue, the agent disputes,
a QA manager upholds the dispute, and the new score shows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import Call, Evaluation
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
def test_score_dispute_uphold_journey(browser, live_server):
    team = TeamFactory()
    agent = UserFactory(username="lina", display_name="Li Na", roles=[Role.AGENT], team=team)
    evaluator = UserFactory(username="zhangwei", roles=[Role.QA_EVALUATOR])
    manager = UserFactory(username="wangfang", roles=[Role.QA_MANAGER])
    team.evaluators.add(evaluator)
    scorecard = services.scorecard_create(
        by=manager,
        name="Inbound",
        pass_mark=80,
        sections=[
            SectionInput(
                "Opening",
                [
                    CriterionInput("Greets the caller", 5),
                    CriterionInput("Verifies identity", 10, critical=True),
                    CriterionInput("Friendly tone", 4, kind="scale", allow_na=True),
                ],
            )
        ],
    )
    version = scorecard.current_version
    tone = version.criteria.get(text="Friendly tone")
    Call.objects.create(
        external_id="CALL-42",
        agent=agent,
        started_at=timezone.now() - timedelta(hours=1),
        duration_seconds=200,
    )
    today = timezone.localdate()
    services.sample_draw(
        by=manager,
        version=version,
        period_start=today - timedelta(days=1),
        period_end=today,
        per_agent=1,
        evaluator_ids=[evaluator.pk],
        seed=1,
    )

    # The evaluator scores the call from the queue; the score updates live.
    context, page = _sign_in(browser, live_server, "zhangwei")
    page.click("[data-nav=queue]")
    page.click("[data-testid=score-call]")
    page.check(f"input[name=value_{version.criteria.get(text='Greets the caller').pk}][value='5']")
    page.check(f"input[name=value_{version.criteria.get(text='Verifies identity').pk}][value='10']")
    page.select_option(f"select[name=value_{tone.pk}]", "2")
    page.locator("[data-testid=live-score-value]", has_text="89.47").wait_for()
    page.click("[data-testid=submit-evaluation]")
    page.locator("[data-testid=score]", has_text="89.47").wait_for()
    context.close()
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "submitted"

    # The agent disputes the tone answer.
    context, page = _sign_in(browser, live_server, "lina")
    page.click(f"a[href='/qa/evaluations/{evaluation.pk}/']")
    page.fill("textarea[name=reason]", "My tone was friendly throughout.")
    page.check(f"input[name=criteria][value='{tone.pk}']")
    page.click("[data-testid=dispute-submit]")
    page.locator("[data-testid=status]", has_text="Disputed").wait_for()
    context.close()

    # A QA manager upholds it with a corrected answer; the new score shows.
    context, page = _sign_in(browser, live_server, "wangfang")
    page.click("[data-nav=disputes]")
    page.click("text=CALL-42")
    page.check("input[name=outcome][value=upheld]")
    page.select_option(f"select[name=correct_{tone.pk}]", "4")
    page.fill("textarea[name=note]", "Listened again: the tone was friendly.")
    page.click("[data-testid=arbitrate-submit]")
    page.locator("[data-testid=score]", has_text="100.00").wait_for()
    assert "Score before: 89.47" in page.content()
    context.close()

    # The agent sees the outcome.
    context, page = _sign_in(browser, live_server, "lina")
    page.goto(f"{live_server.url}/qa/evaluations/{evaluation.pk}/")
    assert page.locator("[data-testid=score]").inner_text().strip() == "100.00"
    assert page.locator("[data-testid=status]").inner_text().strip() == "Dispute upheld"
    context.close()
