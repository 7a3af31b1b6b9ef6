"""Generating a snapshot: one row per (kind, scope, period), images in every language, replaced on redraw."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.reports import files, kinds, services
from apps.reports.kinds import NothingToDraw
from apps.reports.models import ChartImage, ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE, Scope
from tests.complaints.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

PARETO = "complaint_pareto"


@pytest.fixture
def tickets():
    billing, delivery = CategoryFactory(name="Billing error"), CategoryFactory(name="Late delivery")
    TicketFactory.create_batch(3, category=billing)
    TicketFactory.create_batch(1, category=delivery)
    return billing, delivery


def test_generate_stores_the_data_and_an_svg_and_png_per_language(tickets, media_root):
    snapshot = services.generate(kinds.get(PARETO), GLOBAL_SCOPE)

    assert (snapshot.kind, snapshot.scope, snapshot.scope_type, snapshot.scope_id) == (
        PARETO,
        "global",
        "global",
        None,
    )
    assert snapshot.period == timezone.localdate().isoformat()
    assert snapshot.period_end - snapshot.period_start == timedelta(days=29)
    assert [(row["label"], row["count"]) for row in snapshot.data["rows"]] == [
        ("Billing error", 3),
        ("Late delivery", 1),
    ]
    assert snapshot.data["total"] == 4
    images = {image.language: image for image in snapshot.images.all()}
    assert set(images) == {"en", "zh-hans"}
    english_svg = (media_root / images["en"].svg.name).read_text()
    chinese_svg = (media_root / images["zh-hans"].svg.name).read_text()
    assert "Billing error" in english_svg
    assert "Complaints by category" in english_svg
    assert "Complaints by category" not in chinese_svg
    assert "Billing error" in chinese_svg
    assert (media_root / images["en"].png.name).read_bytes().startswith(b"\x89PNG")


def test_regenerating_replaces_the_snapshot_and_its_files(tickets, media_root):
    kind = kinds.get(PARETO)
    first = services.generate(kind, GLOBAL_SCOPE)
    TicketFactory(category=tickets[1])
    TicketFactory(category=tickets[1])
    TicketFactory(category=tickets[1])
    second = services.generate(kind, GLOBAL_SCOPE)

    assert second.pk == first.pk
    assert ChartSnapshot.objects.count() == 1
    assert ChartImage.objects.count() == 2
    assert second.data["total"] == 7
    assert second.generated_at >= first.generated_at
    leftovers = [path for path in (media_root / "reports").rglob("*") if path.name.startswith(".tmp-")]
    assert leftovers == []


def test_the_database_refuses_a_second_snapshot_of_one_period(tickets):
    snapshot = services.generate(kinds.get(PARETO), GLOBAL_SCOPE)
    with pytest.raises(IntegrityError):
        ChartSnapshot.objects.create(
            kind=snapshot.kind,
            scope=snapshot.scope,
            scope_type="global",
            period=snapshot.period,
            data={},
            generated_at=timezone.now(),
            duration_ms=1,
        )


def test_a_scope_without_data_draws_nothing(db, department):
    with pytest.raises(NothingToDraw):
        services.generate(kinds.get(PARETO), Scope("department", department.pk))
    assert not ChartSnapshot.objects.exists()


def test_a_missing_scope_draws_nothing(db):
    with pytest.raises(NothingToDraw):
        services.generate(kinds.get(PARETO), Scope("department", 999))


def test_leftovers_of_a_killed_run_are_removed_by_the_next_run(tickets, media_root):
    kind = kinds.get(PARETO)
    period = kind.current_period(timezone.localdate())
    folder = media_root / "reports" / PARETO / "global" / period.key
    folder.mkdir(parents=True)
    (folder / ".tmp-abandoned").write_bytes(b"half an ima")
    services.generate(kind, GLOBAL_SCOPE, period)
    assert sorted(path.name for path in folder.iterdir()) == [
        "en.png",
        "en.svg",
        "zh-hans.png",
        "zh-hans.svg",
    ]
    assert files.read(f"reports/{PARETO}/global/{period.key}/en.svg").startswith(b"<?xml")
