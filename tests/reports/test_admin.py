"""The reports admin: snapshots and requests are read-only; the schedules page shows beat's timings."""

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.reports import kinds, services
from apps.reports.models import ChartSnapshot, ChartTask
from apps.reports.scopes import GLOBAL_SCOPE
from tests.complaints.factories import TicketFactory
from tests.factories import UserFactory
from tests.reports.test_tasks import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(roles=[Role.ADMIN]))
    return client


@pytest.fixture
def snapshot(db):
    TicketFactory.create_batch(2)
    return services.generate(kinds.get("complaint_pareto"), GLOBAL_SCOPE)


def test_snapshot_pages_are_read_only(admin_client, snapshot):
    listing = admin_client.get(reverse("admin:reports_chartsnapshot_changelist"))
    assert listing.status_code == 200
    assert "complaint_pareto" in listing.text
    assert reverse("admin:reports_schedules") in listing.text
    detail = admin_client.get(reverse("admin:reports_chartsnapshot_change", args=[snapshot.pk]))
    assert detail.status_code == 200
    assert 'name="kind"' not in detail.text  # shown, not editable
    assert admin_client.get(reverse("admin:reports_chartsnapshot_add")).status_code == 403


def test_the_regenerate_action_queues_the_selected_charts(admin_client, snapshot):
    with published() as names:
        response = admin_client.post(
            reverse("admin:reports_chartsnapshot_changelist"),
            {"action": "regenerate", "_selected_action": [snapshot.pk]},
            follow=True,
        )
    assert "1 charts queued." in response.text
    assert names == ["reports.generate_chart"]


def test_the_schedules_page_lists_every_schedule_with_its_kinds_and_timing(admin_client, snapshot):
    response = admin_client.get(reverse("admin:reports_schedules"))
    assert response.status_code == 200
    text = response.text
    for name in kinds.names():
        assert f"<code>{name}</code>" in text
    assert "Every hour, at five past" in text
    assert "reports-nightly" in text
    assert "<code>5 * * * *</code>" in text
    assert "<code>15 2 * * *</code>" in text
    assert "<code>0 3 * * mon</code>" in text
    assert "<code>30 3 1 * *</code>" in text
    assert "not drawn yet" in text  # kinds without snapshots
    assert "(1 snapshots)" in text


def test_run_now_queues_the_schedule(admin_client):
    with published() as names:
        response = admin_client.post(reverse("admin:reports_schedule_run", args=["hourly"]), follow=True)
    assert names == ["reports.generate_schedule"]
    assert "The charts of this schedule are queued." in response.text
    with published() as names:
        response = admin_client.post(reverse("admin:reports_schedule_run", args=["sometimes"]), follow=True)
    assert names == []
    assert "There is no such schedule." in response.text


def test_run_now_needs_a_post(admin_client):
    assert admin_client.get(reverse("admin:reports_schedule_run", args=["hourly"])).status_code == 405


def test_people_without_the_admin_role_are_sent_to_the_login(client):
    client.force_login(UserFactory(roles=[Role.QA_MANAGER]))
    response = client.get(reverse("admin:reports_schedules"))
    assert response.status_code == 302


def test_requests_are_listed_read_only(admin_client, snapshot):
    requester = UserFactory(roles=[Role.DUTY_MANAGER])
    ChartTask.objects.create(
        task_id="abc", kind="complaint_pareto", scope="global", requested_by=requester, snapshot=snapshot
    )
    response = admin_client.get(reverse("admin:reports_charttask_changelist"))
    assert response.status_code == 200
    assert reverse("admin:reports_chartsnapshot_change", args=[snapshot.pk]) in response.text
    assert admin_client.get(reverse("admin:reports_charttask_add")).status_code == 403
    assert ChartSnapshot.objects.count() == 1
