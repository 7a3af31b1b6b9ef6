"""Benchmark: importing ~1,000,000 daily figures from CSV, against PostgreSQL's own COPY of the file.

    DEBUG=1 .venv/bin/python benchmarks/metrics_import.py [--agents 500] [--days 2000]

Creates a fresh PostgreSQL database (``--server``, default postgres://postgres@127.0.0.1:5432), migrates
it, adds the agents and queues, writes a CSV file of one row per agent and day (500 × 2,000 = 1,000,000
rows, ~90 MB) under var/bench/, then times:

  (a) the import through the application's code path — the upload service stores the file as a
      MetricsImport job, and the Celery task's body (tasks.import_daily_figures.run) checks every row
      and writes them: binary COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT;
  (b) the same import again: every row now replaces an existing one (idempotent re-import);
  (c) ``COPY … FROM STDIN (FORMAT csv)`` of the same file into an equivalent table — the file's
      columns (agent and queue as text) with the daily-figure table's keys, indexes and checks;
  (d) the same COPY into a bare table (no index, no constraint): PostgreSQL's raw loading speed.

and prints the times and the ratio (a) ÷ (c); the target is 3 at most. The database is dropped at the
end (unless ``--keep``). Never collected by pytest. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import resource
import sys
import time
from datetime import timedelta

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

BASE_DIR = harness.BASE_DIR
CSV_PATH = harness.BENCH_DIR / "metrics_import.csv"
MEDIA_DIR = harness.BENCH_DIR / "media"
QUEUES = ("Billing 账单", "Technical support 技术支持", "Sales 销售", "VIP 贵宾")
# Context tags on some days, as a WFM export has them.
TAGS = {0: "holiday", 7: "campaign", 19: "incident;storm"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=500, help="agents (one row per agent and day)")
    parser.add_argument("--days", type=int, default=2000, help="days, ending yesterday")
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL (no database)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the figures")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import (b)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the CSV file")
    args = parser.parse_args()
    if args.agents < 1 or args.days < 1:
        parser.error("--agents and --days must be positive")

    import psycopg

    database = f"qa_center_bench_metrics_{os.getpid()}"
    server = args.server.rstrip("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        _run(args, f"{server}/{database}")
    finally:
        _close_django()
        if not args.keep:
            CSV_PATH.unlink(missing_ok=True)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        else:
            harness.say(f"Kept database {database} and {CSV_PATH.relative_to(BASE_DIR)}.")


def _close_django() -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


def _run(args, database_url: str) -> None:
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(MEDIA_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, {version}, {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    manager, usernames = _people(args.agents)
    harness.say(
        f"Database {connection.settings_dict['NAME']} migrated, {args.agents} agents, {len(QUEUES)} queues "
        f"in {time.perf_counter() - started:.1f} s."
    )

    started = time.perf_counter()
    rows, size = _write_csv(usernames, args.days, args.seed)
    harness.say(
        f"CSV generated: {rows:,} rows, {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s "
        f"({CSV_PATH.relative_to(BASE_DIR)})."
    )

    # The job logs how long it checked (and staged) and how long it wrote.
    phases = logging.getLogger("apps.metrics.imports")
    phases.setLevel(logging.INFO)
    phases.propagate = False
    phases.addHandler(logging.StreamHandler(sys.stdout))
    phases.handlers[-1].setFormatter(logging.Formatter("  %(message)s"))
    imported = _import(manager, rows, "import (a)")
    if not args.no_reimport:
        _import(manager, rows, "re-import (b), every row replaced")
    copy_equivalent = _copy(equivalent=True)
    copy_bare = _copy(equivalent=False)
    harness.say(f"COPY into an equivalent table (c): {copy_equivalent:.1f} s")
    harness.say(f"COPY into a bare table (d): {copy_bare:.1f} s")
    harness.say(
        f"Ratio import ÷ COPY (a ÷ c): {imported / copy_equivalent:.2f} (target ≤ 3); "
        f"import ÷ bare COPY (a ÷ d): {imported / copy_bare:.2f}"
    )
    _time_queries(manager)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    harness.say(f"Peak memory of this process: {peak:.0f} MB.")


def _time_queries(manager) -> None:
    """The reads issue 7 names: a monthly KPI query per team and the monthly ranking, on the full
    table (last complete month), each the median of a few runs after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.metrics import ranking_selectors, selectors

    month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)

    def timed(label, call):
        call()  # warm-up
        runs = []
        for _run_index in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = call()
                runs.append(time.perf_counter() - started)
        runs.sort()
        harness.say(f"{label}: median {runs[2] * 1000:.0f} ms, {len(queries)} queries ({result})")

    timed(
        f"Monthly KPIs per team, {month_start:%Y-%m}",
        lambda: (
            f"{len(selectors.kpi_rows(user=manager, group='team', start=month_start, end=month_end))} teams"
        ),
    )
    timed(
        f"Monthly ranking, {month_start:%Y-%m}",
        lambda: f"{len(ranking_selectors.monthly_ranking(user=manager, month=month_start).teams)} teams",
    )


def _people(agent_count: int):
    from django.contrib.auth.models import Group

    from apps.accounts.models import Team, User
    from apps.accounts.roles import Role
    from apps.metrics.models import Queue

    agent_role, _ = Group.objects.get_or_create(name=Role.AGENT)
    manager_role, _ = Group.objects.get_or_create(name=Role.QA_MANAGER)
    manager = User.objects.create(username="bench-manager", display_name="Bench manager")
    manager.groups.add(manager_role)
    agents = User.objects.bulk_create(
        [
            User(username=f"agent{index + 1:04d}", display_name=f"Agent {index + 1}")
            for index in range(agent_count)
        ]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=agent.pk, group_id=agent_role.pk) for agent in agents]
    )
    Queue.objects.bulk_create([Queue(name=name) for name in QUEUES])
    # Teams of 20, so the per-team KPI query and the ranking have teams to group by.
    teams = Team.objects.bulk_create(
        [Team(name=f"Team {n + 1:02d}") for n in range((agent_count + 19) // 20)]
    )
    for index, agent in enumerate(agents):
        agent.team_id = teams[index // 20].pk
    User.objects.bulk_update(agents, ["team"], batch_size=1000)
    return manager, [agent.username for agent in agents]


def _write_csv(usernames: list[str], days: int, seed: int) -> tuple[int, int]:
    """One consistent row per agent and day (the import's rules all hold), oldest day first."""
    from django.utils import timezone

    from apps.metrics.csv_format import COLUMNS

    rng = random.Random(seed)
    first = timezone.localdate() - timedelta(days=days)
    rows = 0
    with CSV_PATH.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            tags = TAGS.get(offset % 30, "")
            for index, username in enumerate(usernames):
                offered = rng.randint(40, 140)
                answered = offered - rng.randint(0, 12)
                abandoned = rng.randint(0, offered - answered)
                logged_in = rng.randint(25_000, 30_000)
                not_ready = rng.randint(0, 3_600)
                idle = rng.randint(0, logged_in - not_ready)
                responses = rng.randint(0, answered // 3)
                writer.writerow(
                    (
                        day,
                        username,
                        QUEUES[index % len(QUEUES)],
                        offered,
                        answered,
                        abandoned,
                        answered - rng.randint(0, answered // 5),
                        answered * rng.randint(150, 260),
                        answered * rng.randint(0, 20),
                        answered * rng.randint(25, 65),
                        not_ready,
                        idle,
                        logged_in,
                        answered - rng.randint(0, answered // 10),
                        responses,
                        responses - rng.randint(0, responses // 10),
                        480,
                        rng.randint(420, 540),
                        tags,
                    )
                )
                rows += 1
    return rows, CSV_PATH.stat().st_size


def _import(manager, rows: int, label: str) -> float:
    """Upload (store the file, create the job), then the task's body; returns the task's time."""
    from django.conf import settings

    from apps.metrics import imports, tasks
    from apps.metrics.models import DailyFigure, DayTag, ImportStatus

    # Every file becomes a job, and the benchmark runs the task itself, without a broker.
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 0
    imports._enqueue = lambda job_id: None
    started = time.perf_counter()
    with CSV_PATH.open("rb") as upload:
        job = imports.daily_csv_import(by=manager, file=upload, filename=CSV_PATH.name).job
    uploaded = time.perf_counter() - started
    started = time.perf_counter()
    status = tasks.import_daily_figures.run(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if status != ImportStatus.DONE or job.imported_rows != rows:
        raise SystemExit(
            f"The import did not succeed: {status}, {job.imported_rows} rows, errors {job.errors[:5]}"
        )
    stored = DailyFigure.objects.count()
    if stored != rows:
        raise SystemExit(f"{stored:,} daily figures are stored, not {rows:,}.")
    harness.say(
        f"{label}: {elapsed:.1f} s for {rows:,} rows ({rows / elapsed:,.0f} rows/s); storing the upload "
        f"and creating the job took {uploaded:.1f} s more. Stored: {stored:,} rows, "
        f"{DayTag.objects.count()} day tags."
    )
    return elapsed


def _copy(*, equivalent: bool) -> float:
    """COPY the file into a table shaped like metrics_dailyfigure, with agent and queue as text."""
    from django.db import connection

    from apps.metrics.csv_format import COLUMNS, COUNT_COLUMNS

    table = "bench_copy_equivalent" if equivalent else "bench_copy_bare"
    check = " CHECK ({name} >= 0)" if equivalent else ""
    counts = ", ".join(f"{name} integer NOT NULL" + check.format(name=name) for name in COUNT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            f"date date NOT NULL, agent varchar(150) NOT NULL, queue varchar(100) NOT NULL, {counts}, "
            f"tags varchar(300) NOT NULL, imported_at timestamptz NOT NULL DEFAULT now())"
        )
        if equivalent:
            # The keys, checks and indexes of metrics_dailyfigure (see its migration).
            for statement in (
                "ALTER TABLE {t} ADD CONSTRAINT {t}_once UNIQUE (date, agent, queue)",
                "ALTER TABLE {t} ADD CONSTRAINT {t}_answered CHECK (calls_answered <= calls_offered)",
                "ALTER TABLE {t} ADD CONSTRAINT {t}_satisfied CHECK (survey_satisfied <= survey_responses)",
                "CREATE INDEX {t}_date_agent ON {t} (date, agent)",
                "CREATE INDEX {t}_agent_date ON {t} (agent, date)",
                "CREATE INDEX {t}_queue_date ON {t} (queue, date)",
            ):
                cursor.execute(statement.format(t=table))
        started = time.perf_counter()
        with (
            CSV_PATH.open("rb") as source,
            cursor.copy(
                f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN "
                "(FORMAT csv, HEADER true, FORCE_NOT_NULL (tags))"
            ) as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


if __name__ == "__main__":
    main()
