"""Benchmark: the scheduled chart sets on the large demo data, drawn by 2 worker processes.

    DEBUG=1 .venv/bin/python benchmarks/report_nightly.py [--schedules nightly weekly monthly hourly]

Creates a fresh PostgreSQL database (``--server``, default postgres://postgres@127.0.0.1:5432), migrates
it and fills it with ``manage.py seed_demo --scale large`` (timed), then starts one real
``celery worker --pool=prefork --concurrency=2`` (two worker processes, DEBUG off, as in production) on
a queue of its own, on Redis when ``--redis`` or $REDIS_URL is set, else on the filesystem broker under
var/bench/. For each schedule it runs the body of ``reports.generate_schedule(<schedule>)`` here (the
fan-out that beat triggers: one ``reports.generate_chart`` task per kind and scope, sent to the
workers' queue), waits until every chart task has finished, and prints the wall time from the fan-out
to the last result, the charts drawn, charts per second and the slowest kinds (from
ChartSnapshot.duration_ms). The target is the nightly set within 2 minutes for 500 agents; the large
demo data has 400, so the nightly time is also scaled to 500 agents. The database and the images are
removed at the end (unless ``--keep``). Never collected by pytest. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

BASE_DIR = harness.BASE_DIR
# "agents": every agent's own QA trend, as if all of them opened "My charts" on the same day (those
# charts are drawn on view, not on a schedule).
SCHEDULES = ("nightly", "weekly", "monthly", "hourly", "agents")
TARGET_SECONDS = 120
TARGET_AGENTS = 500
WORKER_START_TIMEOUT = 120
TASK_TIMEOUT = 30 * 60
SLOWEST_SHOWN = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL (no database)"
    )
    parser.add_argument(
        "--redis", default=os.environ.get("REDIS_URL"), help="Redis URL of the broker (default $REDIS_URL)"
    )
    parser.add_argument("--schedules", nargs="+", choices=SCHEDULES, default=list(SCHEDULES))
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--scale", choices=["small", "large"], default="large", help="seed_demo scale")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data set")
    parser.add_argument(
        "--database", help="use this already seeded database on the server instead of creating one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the images")
    args = parser.parse_args()
    if args.concurrency < 1:
        parser.error("--concurrency must be positive")

    import psycopg

    server = args.server.rstrip("/")
    created = args.database is None
    database = args.database or f"qa_center_bench_reports_{os.getpid()}"
    work_dir = harness.BENCH_DIR / f"reports_{database}"
    if created:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
    try:
        _run(args, f"{server}/{database}", work_dir, seed=created)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep:
            harness.say(f"Kept database {database} and {work_dir.relative_to(BASE_DIR)}.")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
            if created:
                with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}"')


def _environment(database_url: str, work_dir: Path, redis_url: str | None) -> dict[str, str]:
    """What this process and the workers share: the database, the images, the broker."""
    env = {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(work_dir / "media"),
        # The filesystem broker and the result files live here when there is no Redis.
        "QA_CENTER_VAR_DIR": str(work_dir / "var"),
        # seed_demo changes TQM projects; their redrawing is not what is measured here.
        "REPORTS_REDRAW_ON_CHANGE": "0",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _run(args, database_url: str, work_dir: Path, *, seed: bool) -> None:
    (work_dir / "var").mkdir(parents=True, exist_ok=True)
    env = _environment(database_url, work_dir, args.redis)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    from qa_center.celery import app as celery_app

    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, {version}, {os.cpu_count()} CPUs, "
        f"broker {celery_app.conf.broker_url.split('://')[0]}"
    )
    if seed:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        harness.say(
            f"Database {connection.settings_dict['NAME']} migrated in {time.perf_counter() - started:.1f} s."
        )
        started = time.perf_counter()
        out = StringIO()
        call_command("seed_demo", scale=args.scale, seed=args.seed, stdout=out)
        for line in out.getvalue().splitlines():
            if line.startswith("Demo logins"):
                break  # the logins follow: not figures
            harness.say(line)
        harness.say(f"seed_demo --scale {args.scale} took {time.perf_counter() - started:.1f} s.")
    _describe_data()

    queue = f"bench-reports-{uuid.uuid4().hex[:8]}"
    # Every chart task the fan-out sends goes to the benchmark workers' queue, and to no other worker.
    celery_app.conf.task_default_queue = queue
    worker_env = {
        **{key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DEBUG")},
        **env,
        "DJANGO_SETTINGS_MODULE": "qa_center.settings.base",
        # Production settings in the workers: no query log, no debug.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PYTHONUNBUFFERED": "1",
    }
    with _worker(worker_env, queue, args.concurrency, work_dir / "worker.log"):
        for schedule in args.schedules:
            _measure(schedule, args.concurrency)


def _describe_data() -> None:
    from apps.accounts.models import Team, User
    from apps.complaints.models import Ticket
    from apps.metrics.models import DailyFigure
    from apps.scorecards.models import Evaluation
    from apps.tqm.models import Project

    harness.say(
        f"Data: {Team.objects.count()} teams, {User.objects.with_role('agent').count()} agents, "
        f"{Evaluation.objects.count():,} evaluations, {Ticket.objects.count():,} tickets, "
        f"{DailyFigure.objects.count():,} daily figures, {Project.objects.count()} TQM projects."
    )


@contextlib.contextmanager
def _worker(env: dict[str, str], queue: str, concurrency: int, log_path: Path):
    """One ``celery worker`` with a prefork pool of ``concurrency`` processes, ready to consume."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "qa_center",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@localhost",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while " ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The worker did not start; its log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        harness.say(
            f"Worker ready in {time.perf_counter() - started:.1f} s: {concurrency} processes "
            f"(prefork), queue {queue}, log {log_path.relative_to(BASE_DIR)}."
        )
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _measure(schedule: str, concurrency: int) -> None:
    from celery.result import AsyncResult
    from celery.signals import after_task_publish

    from apps.reports import kinds, tasks
    from apps.reports.models import ChartSnapshot

    names = (
        ["qa_score_trend"] if schedule == "agents" else [kind.name for kind in kinds.on_schedule(schedule)]
    )
    if not names:
        harness.say(f"{schedule}: no kind of chart on this schedule.")
        return
    sent: list[str] = []

    def record(sender=None, headers=None, **kwargs) -> None:
        if sender == "reports.generate_chart":
            sent.append(headers["id"])

    after_task_publish.connect(record, weak=False)
    try:
        started = time.perf_counter()
        queued = _queue_agents() if schedule == "agents" else tasks.generate_schedule(schedule)
        fanned_out = time.perf_counter() - started
    finally:
        after_task_publish.disconnect(record)
    results = [AsyncResult(task_id) for task_id in sent]
    pending = list(results)
    deadline = time.monotonic() + TASK_TIMEOUT
    while pending:
        pending = [result for result in pending if not result.ready()]
        if time.monotonic() > deadline:
            raise SystemExit(
                f"{schedule}: {len(pending)} chart tasks still unfinished after {TASK_TIMEOUT} s."
            )
        time.sleep(0.1)
    wall = time.perf_counter() - started

    drawn = nothing = failed = 0
    for result in results:
        if result.failed():
            failed += 1
        elif result.result.get("snapshot") is None:
            nothing += 1
        else:
            drawn += 1
    harness.say(
        f"{schedule} set ({', '.join(names)}): {len(sent)} chart tasks queued in {fanned_out:.1f} s "
        f"({', '.join(f'{name} {count}' for name, count in queued.items())}); all finished after "
        f"{wall:.1f} s: {drawn} charts drawn, {nothing} with nothing to draw, {failed} failed; "
        f"{drawn / wall:.2f} charts/s with {concurrency} worker processes."
    )
    durations: dict[str, list[int]] = {}
    drawn_rows = ChartSnapshot.objects.filter(kind__in=names)
    drawn_rows = drawn_rows.filter(scope_type="agent") if schedule == "agents" else drawn_rows
    for kind, duration in drawn_rows.values_list("kind", "duration_ms"):
        durations.setdefault(kind, []).append(duration)
    slowest = sorted(durations.items(), key=lambda item: statistics.median(item[1]), reverse=True)
    for kind, values in slowest[:SLOWEST_SHOWN]:
        ordered = sorted(values)
        p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
        harness.say(
            f"  {kind}: {len(values)} charts, median {statistics.median(values):.0f} ms, p95 {p95} ms, "
            f"max {ordered[-1]} ms, {sum(values) / 1000:.1f} s in all"
        )
    if schedule == "nightly":
        _scale_to_target(durations, wall)


def _queue_agents() -> dict[str, int]:
    """Queue every agent's own QA trend (what "My charts" draws on view) for the current period."""
    from django.utils import timezone

    from apps.reports import kinds, tasks
    from apps.scorecards.models import Evaluation

    kind = kinds.get("qa_score_trend")
    period = kind.current_period(timezone.localdate())
    agents = Evaluation.objects.submitted().values_list("agent_id", flat=True).distinct().order_by("agent_id")
    for agent_id in agents:
        tasks.generate_chart.delay(kind.name, f"agent:{agent_id}", period.key)
    return {kind.name: len(agents)}


def _scale_to_target(durations: dict[str, list[int]], wall: float) -> None:
    """The nightly set at TARGET_AGENTS: charts per team and per agent grow with the agents (teams of
    the same size), so their share of the time is scaled by TARGET_AGENTS / agents here; the global
    and per-scorecard charts stay as they are. Agents' own trends are drawn when opened, not nightly;
    if a kind still drew per-agent charts they would scale the same way."""
    from apps.accounts.models import User
    from apps.reports.models import ChartSnapshot

    agents = User.objects.with_role("agent").count()
    rows = ChartSnapshot.objects.filter(kind__in=list(durations))
    growing = rows.filter(scope_type__in=["team", "agent"]).count()
    total = rows.count()
    if not agents or not total:
        return
    extra = growing * (TARGET_AGENTS / agents - 1)
    scaled = wall * (total + extra) / total
    verdict = "within" if scaled <= TARGET_SECONDS else "OVER"
    harness.say(
        f"Nightly set scaled to {TARGET_AGENTS} agents ({agents} here; {growing} of {total} charts per team "
        f"or agent): about {total + extra:.0f} charts in {scaled:.0f} s, {verdict} the target of "
        f"{TARGET_SECONDS} s."
    )


if __name__ == "__main__":
    main()
