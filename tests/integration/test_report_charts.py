"""Charts drawn by real Celery worker and beat processes on Redis, against the test's PostgreSQL database.

Each test starts its own worker (tests/celery_worker.py) on a queue of its own, with the test
database's URL, the same Redis and the same MEDIA_ROOT, so the images it writes are the ones checked
here. Transactional tests: the worker reads what the test committed.
"""

from __future__ import annotations

import ast
import os
import re
import struct
import time
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.utils import timezone

from apps.complaints.states import State
from apps.reports import kinds, services
from apps.reports.kinds.base import HOURLY
from apps.reports.models import ChartImage, ChartSnapshot, ChartTask, TaskState
from apps.reports.periods import CURRENT
from apps.tqm import services as tqm_services
from apps.tqm.models import DatasetPhase
from apps.tqm.steps import Step
from qa_center.celery import app as celery_app
from tests.celery_worker import new_queue, producer_for, running_beat, running_worker, worker_process
from tests.complaints.factories import CategoryFactory, TicketFactory
from tests.factories import DepartmentFactory, UserFactory
from tests.tqm.factories import BEFORE_COUNTS, project_at_step

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARETO = "complaint_pareto"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk and its CRC: the last 8 bytes of a complete PNG
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
TEMP_PREFIX = ".tmp-"
# Redis hands an unacknowledged task to another worker this long after delivery (our setting, for the
# killed-worker test; production keeps Celery's hour).
VISIBILITY_TIMEOUT = 4


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def worker_env(media_root):
    """What a worker needs to work on this test's database, broker and files."""
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(media_root),
    }


@pytest.fixture
def producer(tmp_path):
    return producer_for(redis_url=os.environ["REDIS_URL"], data_dir=tmp_path)


def wait_for(condition, *, timeout: float, what: str, logs=()):
    """Poll ``condition`` until it returns something truthy; fail with the processes' logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    tails = "\n".join(
        f"--- {Path(log).name}\n{Path(log).read_text(errors='replace')[-3000:]}" for log in logs
    )
    pytest.fail(f"Timed out after {timeout} s waiting for {what}\n{tails}")


def is_complete_svg(path: Path) -> bool:
    try:
        return ElementTree.fromstring(path.read_bytes()).tag == SVG_ROOT
    except ElementTree.ParseError:
        return False


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a complete PNG (signature, IHDR first, IEND last); None otherwise."""
    content = path.read_bytes()
    if not (content.startswith(PNG_SIGNATURE) and content.endswith(PNG_END) and content[12:16] == b"IHDR"):
        return None
    return struct.unpack(">II", content[16:24])


def assert_intact_images(snapshot: ChartSnapshot, media_root: Path) -> dict[str, str]:
    """Every language has a parseable SVG and a complete PNG; returns the SVG texts by language."""
    images = {image.language: image for image in snapshot.images.all()}
    assert sorted(images) == sorted(services.languages())
    texts = {}
    for language, image in images.items():
        svg = media_root / image.svg.name
        assert is_complete_svg(svg), f"{image.svg.name} is not a complete SVG"
        width, height = png_size(media_root / image.png.name) or (0, 0)
        assert width > 0
        assert height > 0
        texts[language] = svg.read_text()
    return texts


def image_files(media_root: Path) -> list[Path]:
    folder = media_root / "reports"
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_a_worker_draws_a_chart_sent_by_name_and_drawing_it_again_keeps_one_snapshot(
    media_root, worker_env, producer, tmp_path
):
    billing, delivery = CategoryFactory(name="Billing error"), CategoryFactory(name="Late delivery")
    creator = UserFactory()
    TicketFactory.create_batch(3, category=billing, created_by=creator)
    TicketFactory.create_batch(1, category=delivery, created_by=creator)

    with running_worker(var_dir=tmp_path, extra_env=worker_env) as queue:
        first = producer.send_task("reports.generate_chart", args=[PARETO, "global"], queue=queue)
        assert first.get(timeout=60) == {"snapshot": ChartSnapshot.objects.get().pk}
        snapshot = ChartSnapshot.objects.get()
        svgs = assert_intact_images(snapshot, media_root)

        again = producer.send_task("reports.generate_chart", args=[PARETO, "global"], queue=queue)
        assert again.get(timeout=60) == {"snapshot": snapshot.pk}

    assert (snapshot.kind, snapshot.scope) == (PARETO, "global")
    assert snapshot.data["total"] == 4
    assert [(row["label"], row["count"]) for row in snapshot.data["rows"]] == [
        ("Billing error", 3),
        ("Late delivery", 1),
    ]
    assert "Complaints by category" in svgs["en"]
    assert "Complaints by category" not in svgs["zh-hans"]
    assert "Billing error" in svgs["zh-hans"]
    redrawn = ChartSnapshot.objects.get()
    assert redrawn.pk == snapshot.pk
    assert redrawn.generated_at > snapshot.generated_at
    assert ChartImage.objects.count() == len(services.languages())
    assert_intact_images(redrawn, media_root)
    assert not [path for path in image_files(media_root) if path.name.startswith(TEMP_PREFIX)]


def test_beat_queues_the_hourly_charts_and_the_worker_draws_every_scope_with_data(
    media_root, worker_env, tmp_path
):
    billing, logistics, empty = (DepartmentFactory(name=name) for name in ("Billing", "Logistics", "Legal"))
    creator = UserFactory()
    refund, late = CategoryFactory(name="Refund"), CategoryFactory(name="Late delivery")
    closed = {"state": State.CLOSED, "closed_at": timezone.now(), "created_by": creator}
    TicketFactory.create_batch(2, category=refund, department=billing, created_by=creator)
    TicketFactory(category=refund, department=billing, **closed)
    TicketFactory.create_batch(3, category=late, department=logistics, created_by=creator)
    TicketFactory(category=late, department=logistics, **closed)
    TicketFactory(category=late, created_by=creator)  # not routed to any department
    hourly = kinds.on_schedule(HOURLY)
    assert PARETO in [kind.name for kind in hourly]
    with_data = {"global", f"department:{billing.pk}", f"department:{logistics.pk}"}

    # Beat fires the hourly set every 4 s instead of at minute 5 of each hour.
    schedule = {"reports-hourly": {"task": "reports.generate_schedule", "schedule": 4.0, "args": [HOURLY]}}
    queue = new_queue()
    with (
        worker_process(var_dir=tmp_path, extra_env=worker_env, queue=queue, route_here=True) as worker,
        running_beat(var_dir=tmp_path, queue=queue, schedule=schedule, extra_env=worker_env) as beat,
    ):
        expected = {(kind.name, scope) for kind in hourly for scope in with_data}
        wait_for(
            lambda: expected <= set(ChartSnapshot.objects.values_list("kind", "scope")),
            timeout=50,
            what="a snapshot of every hourly kind for every scope with tickets",
            logs=[worker.log_path, beat.log_path],
        )

    assert "Sending due task reports-hourly (reports.generate_schedule)" in beat.log()
    # The fan-out queued one chart task per scope of each hourly kind, the department without
    # tickets included: global and three departments.
    fan_outs = re.findall(
        r"Task reports\.generate_schedule\[[^\]]+\] succeeded in [\d.]+s: (\{.*\})", worker.log()
    )
    assert fan_outs, worker.log()[-3000:]
    assert ast.literal_eval(fan_outs[0]) == {kind.name: len(list(kind.scopes())) for kind in hourly}
    assert len(list(kinds.get(PARETO).scopes())) == 4
    # The Pareto of a department without tickets has nothing to draw: no snapshot, no image.
    assert set(ChartSnapshot.objects.filter(kind=PARETO).values_list("scope", flat=True)) == with_data
    assert not (media_root / "reports" / PARETO / f"department-{empty.pk}").exists()
    billing_pareto = ChartSnapshot.objects.get(kind=PARETO, scope=f"department:{billing.pk}")
    assert [(row["label"], row["count"]) for row in billing_pareto.data["rows"]] == [("Refund", 3)]
    assert ChartSnapshot.objects.get(kind=PARETO, scope="global").data["total"] == 8
    for snapshot in ChartSnapshot.objects.all():
        assert_intact_images(snapshot, media_root)


def test_a_worker_killed_mid_chart_leaves_no_half_written_snapshot_and_the_task_completes_after_restart(
    media_root, worker_env, producer, tmp_path
):
    # 150 categories of one ticket each: about 140 bars, drawn in two languages, take seconds to draw.
    creator = UserFactory()
    for category in CategoryFactory.create_batch(150):
        TicketFactory(category=category, created_by=creator)
    task_id = str(uuid.uuid4())
    ChartTask.objects.create(task_id=task_id, kind=PARETO, scope="global", requested_by=creator)
    env = {**worker_env, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    queue = new_queue()

    def state() -> str:
        return ChartTask.objects.get(task_id=task_id).state

    with worker_process(var_dir=tmp_path, extra_env=env, queue=queue) as worker:
        producer.send_task("reports.generate_chart", args=[PARETO, "global"], task_id=task_id, queue=queue)
        wait_for(
            lambda: state() == TaskState.STARTED, timeout=40, what="the task to start", logs=[worker.log_path]
        )
        delivered = time.monotonic()
        time.sleep(1.0)  # inside the drawing, which takes several seconds
        worker.kill()

    # Killed mid-task: the task never finished, no row was written, and every image file under
    # MEDIA_ROOT is either complete or a temporary file that nobody links to.
    assert state() == TaskState.STARTED
    assert not ChartSnapshot.objects.exists()
    assert not ChartImage.objects.exists()
    for path in image_files(media_root):
        if path.name.startswith(TEMP_PREFIX):
            continue
        assert is_complete_svg(path) if path.suffix == ".svg" else png_size(path), f"half-written {path}"

    # Redis hands the unacknowledged task out again once the visibility timeout has passed: a worker
    # that starts after that looks for such tasks at once (kombu's restore on start-up).
    time.sleep(max(0.0, delivered + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    with worker_process(
        var_dir=tmp_path, extra_env=env, queue=queue, log_path=tmp_path / "worker-2.log"
    ) as worker:
        wait_for(
            lambda: state() == TaskState.SUCCESS,
            timeout=50,
            what="the redelivered task to finish",
            logs=[tmp_path / "worker.log", worker.log_path],
        )

    snapshot = ChartSnapshot.objects.get()
    request = ChartTask.objects.get(task_id=task_id)
    assert request.snapshot_id == snapshot.pk
    assert snapshot.data["total"] == 150
    assert ChartImage.objects.filter(snapshot=snapshot).count() == len(services.languages())
    assert_intact_images(snapshot, media_root)
    assert [path.name for path in image_files(media_root) if path.name.startswith(TEMP_PREFIX)] == []
    assert sorted(path.name for path in image_files(media_root)) == sorted(
        f"{language}.{extension}" for language in services.languages() for extension in ("png", "svg")
    )


def test_a_change_to_a_tqm_project_has_the_worker_redraw_its_charts(
    media_root, worker_env, settings, monkeypatch, tmp_path
):
    project = project_at_step(Step.EFFECT)  # built with the redrawing off (test settings)
    assert not ChartSnapshot.objects.exists()
    settings.REPORTS_REDRAW_ON_CHANGE = True
    settings.REPORTS_REDRAW_DELAY_SECONDS = 1
    queue = new_queue()
    # This process queues the redrawing: to the test worker's queue, like everything the worker queues.
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)

    with worker_process(var_dir=tmp_path, extra_env=worker_env, queue=queue, route_here=True) as worker:
        tqm_services.dataset_create(
            project=project,
            by=project.leader,
            name="Reasons after",
            items=[("Long queue", 30), ("IVR maze", 50)],
            phase=DatasetPhase.AFTER,
        )
        scope = f"project:{project.pk}"
        expected = {("tqm_pareto", scope), ("tqm_fishbone", scope), ("tqm_before_after", scope)}
        wait_for(
            lambda: expected <= set(ChartSnapshot.objects.values_list("kind", "scope")),
            timeout=50,
            what="the project's charts",
            logs=[worker.log_path],
        )

    assert set(ChartSnapshot.objects.values_list("kind", "scope", "period")) == {
        (kind, scope, CURRENT) for kind, scope in expected
    }
    before_after = ChartSnapshot.objects.get(kind="tqm_before_after")
    assert before_after.data["before"]["total"] == sum(count for _label, count in BEFORE_COUNTS)
    assert before_after.data["after"]["total"] == 80
    for snapshot in ChartSnapshot.objects.all():
        assert_intact_images(snapshot, media_root)
