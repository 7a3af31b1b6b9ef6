"""The metrics admin: set-up rows are edited there (with the weights' and targets' rules); daily figures
and imports are read-only, because figures come in through the import."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import demo as accounts_demo
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.metrics import demo
from apps.metrics.models import (
    AbilityScore,
    DailyFigure,
    DayTag,
    KpiTarget,
    MetricsImport,
    Queue,
    RankingWeights,
)
from qa_center.demo import DemoContext
from tests.factories import UserFactory

MODELS = {
    "queue": Queue,
    "dailyfigure": DailyFigure,
    "daytag": DayTag,
    "kpitarget": KpiTarget,
    "abilityscore": AbilityScore,
    "rankingweights": RankingWeights,
    "metricsimport": MetricsImport,
}
# Session, user, the user's roles (admin site), the queue and team filters, the filtered count and
# the page.
FIGURES_CHANGELIST_QUERIES = 7


def _seed_metrics() -> None:
    ctx = DemoContext(scale="small", seed=5, rng=random.Random(5))
    accounts_demo.seed(ctx)
    demo.seed(ctx)


@pytest.fixture
def root(db) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def demo_metrics(root):
    _seed_metrics()
    KpiTarget.objects.create(kpi="csat", minimum=Decimal("96"), updated_by=root)
    MetricsImport.objects.create(
        file="metrics-imports/june.csv", original_name="june.csv", status="failed", created_by=root
    )


def _figures_changelist_queries(client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/metrics/dailyfigure/{query}")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", MODELS)
def test_each_changelist_and_change_page_opens_for_a_superuser(admin_client, demo_metrics, model):
    assert admin_client.get(f"/admin/metrics/{model}/").status_code == 200
    for obj in MODELS[model].objects.all()[:3]:
        assert admin_client.get(f"/admin/metrics/{model}/{obj.pk}/change/").status_code == 200, obj


def test_the_admin_role_opens_the_figures_and_an_agent_does_not(client, demo_metrics):
    client.force_login(UserFactory(username="support", roles=[Role.ADMIN]))  # not is_staff
    assert client.get("/admin/metrics/dailyfigure/").status_code == 200

    client.force_login(User.objects.get(username="agent"))
    response = client.get("/admin/metrics/dailyfigure/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_figures_filter_by_date_queue_and_team_and_search_by_username(admin_client, demo_metrics):
    agent = User.objects.get(username="agent0001")
    billing = Queue.objects.get(name="Billing 账单")
    day = DailyFigure.objects.order_by("-date").first().date

    def result_count(query: str) -> int:
        response = admin_client.get(f"/admin/metrics/dailyfigure/{query}")
        assert response.status_code == 200
        return response.context["cl"].result_count

    assert result_count("?q=agent0001") == DailyFigure.objects.filter(agent=agent).count()
    assert (
        result_count(f"?queue__id__exact={billing.pk}") == DailyFigure.objects.filter(queue=billing).count()
    )
    assert (
        result_count(f"?agent__team__id__exact={agent.team_id}")
        == DailyFigure.objects.filter(agent__team=agent.team_id).count()
    )
    assert (
        result_count(f"?date__gte={day}&date__lt=2100-01-01") == DailyFigure.objects.filter(date=day).count()
    )


def test_the_figures_list_has_a_fixed_number_of_queries(admin_client, root):
    queue = Queue.objects.create(name="Billing 账单")
    agents = UserFactory.create_batch(10, roles=[Role.AGENT])
    DailyFigure.objects.bulk_create(
        [DailyFigure(date=date(2026, 9, 1), agent=agent, queue=queue, calls_offered=5) for agent in agents]
    )
    few = _figures_changelist_queries(admin_client)

    _seed_metrics()  # thousands of rows, 19 more agents, 3 teams, 4 queues
    assert DailyFigure.objects.count() > 2_000

    assert _figures_changelist_queries(admin_client) == few == FIGURES_CHANGELIST_QUERIES
    assert _figures_changelist_queries(admin_client, "?q=agent") == FIGURES_CHANGELIST_QUERIES


def test_figures_and_imports_are_read_only(admin_client, demo_metrics):
    figure = DailyFigure.objects.first()
    job = MetricsImport.objects.get()

    page = admin_client.get(f"/admin/metrics/dailyfigure/{figure.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert admin_client.get("/admin/metrics/dailyfigure/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/metrics/dailyfigure/{figure.pk}/change/", {"calls_offered": 1}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/metrics/dailyfigure/{figure.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get("/admin/metrics/metricsimport/add/").status_code == 403
    assert admin_client.post(
        f"/admin/metrics/metricsimport/{job.pk}/change/", {"status": "done"}
    ).status_code == (403)
    figure_again = DailyFigure.objects.get(pk=figure.pk)
    assert figure_again.calls_offered == figure.calls_offered
    assert MetricsImport.objects.get().status == "failed"


def test_weights_that_do_not_add_up_to_100_are_refused(admin_client, demo_metrics):
    weights = RankingWeights.objects.get()

    response = admin_client.post(
        f"/admin/metrics/rankingweights/{weights.pk}/change/",
        {"volume": 30, "quality": 40, "attendance": 20, "ability": 15},
    )

    assert response.status_code == 200  # the form again, with the error
    body = response.content.decode()
    assert "The weights must add up to 100; they add up to 105." in body
    assert "metrics_weights_sum_to_100" not in body  # the model's constraint is not reported twice
    assert str(RankingWeights.objects.get()) == "30/40/15/15"


def test_weights_that_add_up_to_100_are_saved_and_signed(admin_client, demo_metrics, root):
    weights = RankingWeights.objects.get()

    response = admin_client.post(
        f"/admin/metrics/rankingweights/{weights.pk}/change/",
        {"volume": 25, "quality": 45, "attendance": 10, "ability": 20},
    )

    assert response.status_code == 302
    weights.refresh_from_db()
    assert (str(weights), weights.updated_by) == ("25/45/10/20", root)


def test_there_is_one_weights_row_it_cannot_be_added_twice_or_deleted(admin_client, demo_metrics):
    weights = RankingWeights.objects.get()

    assert admin_client.get("/admin/metrics/rankingweights/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/metrics/rankingweights/{weights.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert RankingWeights.objects.count() == 1


def test_a_target_band_upside_down_is_refused(admin_client, root):
    response = admin_client.post(
        "/admin/metrics/kpitarget/add/", {"kpi": "acw_seconds", "minimum": "60", "maximum": "30"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "The maximum must not be below the minimum." in body
    assert "metrics_target_band_order" not in body  # the model's constraint is not reported twice
    assert not KpiTarget.objects.exists()


def test_a_target_is_saved_and_signed(admin_client, root):
    response = admin_client.post(
        "/admin/metrics/kpitarget/add/", {"kpi": "acw_seconds", "minimum": "25", "maximum": "55"}
    )

    assert response.status_code == 302
    target = KpiTarget.objects.get()
    assert (target.kpi, target.minimum, target.maximum, target.updated_by) == (
        "acw_seconds",
        Decimal("25.00"),
        Decimal("55.00"),
        root,
    )


def test_an_ability_score_is_stored_on_the_first_day_of_its_month(admin_client, demo_metrics):
    agent = User.objects.get(username="agent0002")

    response = admin_client.post(
        "/admin/metrics/abilityscore/add/", {"agent": agent.pk, "month": "2031-09-17", "score": "88.5"}
    )

    assert response.status_code == 302
    assert AbilityScore.objects.get(agent=agent, month=date(2031, 9, 1)).score == Decimal("88.50")


def test_an_ability_score_above_100_is_refused(admin_client, demo_metrics):
    agent = User.objects.get(username="agent0002")

    response = admin_client.post(
        "/admin/metrics/abilityscore/add/", {"agent": agent.pk, "month": "2031-09-01", "score": "101"}
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert not AbilityScore.objects.filter(month=date(2031, 9, 1)).exists()


def test_queues_are_added_and_names_are_unique_whatever_the_case(admin_client, demo_metrics):
    response = admin_client.post("/admin/metrics/queue/add/", {"name": "Complaints 投诉", "active": "on"})
    assert response.status_code == 302

    response = admin_client.post("/admin/metrics/queue/add/", {"name": "billing 账单", "active": "on"})
    assert response.status_code == 200
    assert Queue.objects.filter(name__iexact="billing 账单").count() == 1


def test_day_tags_are_added_in_the_admin(admin_client, root):
    response = admin_client.post(
        "/admin/metrics/daytag/add/", {"date": "2026-09-16", "label": "heatwave 高温"}
    )

    assert response.status_code == 302
    assert str(DayTag.objects.get()) == "2026-09-16: heatwave 高温"
