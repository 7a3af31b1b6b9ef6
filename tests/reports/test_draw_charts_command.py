"""manage.py draw_charts: draws in-process, or queues the work for the workers."""

import pytest
from django.core.management import CommandError, call_command

from apps.reports.models import ChartSnapshot
from tests.complaints.factories import TicketFactory
from tests.reports.test_tasks import published

pytestmark = pytest.mark.django_db


def test_draws_the_given_kinds_for_every_scope(capsys):
    TicketFactory.create_batch(3)
    call_command("draw_charts", "--kind", "complaint_pareto")
    assert "Drew 1 charts of 1 kinds" in capsys.readouterr().out
    assert list(ChartSnapshot.objects.values_list("kind", "scope")) == [("complaint_pareto", "global")]


def test_queue_hands_the_work_to_the_workers(capsys):
    with published() as names:
        call_command("draw_charts", "--schedule", "hourly", "--queue")
    assert names
    assert set(names) == {"reports.generate_kind"}
    assert not ChartSnapshot.objects.exists()
    assert f"Queued {len(names)} kinds of chart" in capsys.readouterr().out


def test_an_unknown_kind_is_refused():
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("draw_charts", "--kind", "horoscope")
