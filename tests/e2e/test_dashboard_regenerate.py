"""A duty manager opens the complaints dashboard, presses "Regenerate now", and a real Celery worker
process redraws the chart: the card shows progress, then the new image and generated time."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.reports import kinds, services
from apps.reports.models import ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE
from qa_center.celery import app as celery_app
from tests.celery_worker import worker_process
from tests.complaints.factories import CategoryFactory, TicketFactory
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _text(locator) -> str:
    return locator.inner_text().replace("\xa0", " ")  # "timesince" joins number and unit unbreakably


@pytest.fixture
def chart_worker(tmp_path, settings):
    """A worker process on the same database, media folder and broker as the live server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    extra_env = {"DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if settings.REDIS_URL:
        extra_env["REDIS_URL"] = settings.REDIS_URL
    with worker_process(
        var_dir=settings.VAR_DIR, extra_env=extra_env, log_path=tmp_path / "worker.log"
    ) as worker:
        # The live server sends to the worker's own queue. (The default queue is read at each send;
        # task_routes would be cached by the first send of the session.)
        default_queue = celery_app.conf.task_default_queue
        celery_app.conf.task_default_queue = worker.queue
        try:
            yield worker
        finally:
            celery_app.conf.task_default_queue = default_queue


@pytest.mark.django_db(transaction=True)
def test_duty_manager_regenerates_a_chart_and_sees_the_new_generated_time(browser, live_server, chart_worker):
    UserFactory(username="chenjing", roles=[Role.DUTY_MANAGER])
    TicketFactory.create_batch(3, category=CategoryFactory(name="Double charge"))
    TicketFactory(category=CategoryFactory(name="Rude agent"))
    old = services.generate(kinds.get("complaint_pareto"), GLOBAL_SCOPE)
    ChartSnapshot.objects.filter(pk=old.pk).update(generated_at=timezone.now() - timedelta(hours=2))

    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "chenjing")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.locator("[data-testid=main-nav]").wait_for()

    page.goto(f"{live_server.url}/reports/complaints/")
    card = page.locator("[data-testid=chart-card-complaint_pareto]")
    generated = card.locator("[data-testid=generated-at]")
    before = generated.get_attribute("datetime")
    assert "2 hours ago" in _text(card)

    card.locator("[data-testid=regenerate]").click()
    # The card waits for the worker, then the poll swaps in the redrawn card.
    expect(generated).not_to_have_attribute("datetime", before, timeout=60_000)
    expect(card.locator("[data-testid=chart-image]")).to_be_visible()
    card.locator("[data-testid=chart-image]").scroll_into_view_if_needed()
    loaded = card.locator("[data-testid=chart-image]").evaluate(
        "img => img.decode().then(() => img.naturalWidth)"
    )
    assert loaded > 0
    assert "2 hours ago" not in _text(card)

    snapshot = ChartSnapshot.objects.get()
    assert snapshot.pk == old.pk  # replaced, not duplicated
    assert generated.get_attribute("datetime") == timezone.localtime(snapshot.generated_at).isoformat()
    context.close()
