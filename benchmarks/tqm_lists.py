"""Benchmark: the improvement-project list and a project's page over ~2,000 projects.

    DEBUG=1 .venv/bin/python benchmarks/tqm_lists.py [--projects 2000] [--repeat 20] [--explain]

Builds a throwaway SQLite database under var/bench/ (migrated, then filled by the demo seeders:
400 agents and one login per role, then apps/tqm/demo.py with ``--projects`` generated projects at
steps 1–3 besides its fixed stories — each built through the services with its topics, data plan,
dataset, Pareto and fishbone causes), then times requests through django.test.Client the way a
browser would make them (session login, full middleware stack):

  (a) GET /tqm/ (URL name tqm:project_list) as the demo improver, who reads every project;
  (b) GET /api/v1/tqm/projects/ (first page) as the demo improver, and as the demo agent, who sees
      only the project they are a member of;
  (c) GET /tqm/<pk>/ (tqm:project_detail) and GET /api/v1/tqm/projects/<pk>/ of the completed
      showcase project, which holds an artefact of every step.

For each it prints the median and 95th percentile of ``--repeat`` timed requests (after warm-up
requests) and the number of SQL queries one request makes. A request slower than the target
(median over TARGET_MS) also prints its slowest SQL statement with SQLite's EXPLAIN QUERY PLAN;
``--explain`` prints that for every measurement. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

BASE_DIR = harness.BASE_DIR
DB_PATH = harness.BENCH_DIR / "tqm_lists.sqlite3"
SEED_SCALE = "large"  # 25 teams × 16 agents: names for the generated projects' teams
TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=2_000, help="generated projects to create")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per measurement")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data set")
    parser.add_argument("--explain", action="store_true", help="print the slowest query's plan every time")
    parser.add_argument(
        "--reuse", action="store_true", help=f"reuse {DB_PATH.relative_to(BASE_DIR)} if present"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    args = parser.parse_args()
    if args.repeat < 1 or args.projects < 1:
        parser.error("--repeat and --projects must be positive")

    reuse = harness.start_django(DB_PATH, reuse=args.reuse)

    try:
        _prepare(args, reuse=reuse)
        _measure_all(args.repeat, explain=args.explain)
    finally:
        harness.finish(DB_PATH, keep=args.keep)


def _prepare(args, *, reuse: bool) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection, transaction

    from apps.tqm.models import Project

    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"SQLite {connection.Database.sqlite_version}, database {DB_PATH.relative_to(BASE_DIR)}"
    )
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if reuse and Project.objects.exists():
        harness.say(f"Reusing the data set: {Project.objects.count():,} projects.")
        return

    from apps.accounts import demo as accounts_demo
    from apps.tqm import demo as tqm_demo
    from qa_center.demo import DemoContext

    ctx = DemoContext(scale=SEED_SCALE, seed=args.seed, rng=random.Random(args.seed))
    # No calls, evaluations or tickets: the TQM pages do not read them (nothing is pulled).
    tqm_demo.VOLUMES[SEED_SCALE] = tqm_demo.Volume(extra_projects=args.projects)
    with transaction.atomic():
        accounts_demo.seed(ctx)
        tqm_demo.seed(ctx)
    for line in ctx.lines:
        harness.say(f"  {line}")
    harness.say(f"Data set ready in {time.monotonic() - started:.1f} s.")


def _measure_all(repeat: int, *, explain: bool) -> None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from apps.accounts.models import User
    from apps.tqm import demo as tqm_demo
    from apps.tqm.access import projects_for
    from apps.tqm.models import Cause, DatasetItem, Project, ProjectEvent

    improver = User.objects.get(username="improver")
    agent = User.objects.get(username="agent")
    showcase = Project.objects.get(title=tqm_demo.SHOWCASE.title)
    total = Project.objects.count()
    harness.say(
        f"Measuring {repeat} requests each after {harness.WARM_UP} warm-up requests; {total:,} projects, "
        f"{ProjectEvent.objects.count():,} step events, {DatasetItem.objects.count():,} dataset rows, "
        f"{Cause.objects.count():,} fishbone causes."
    )

    def measure(user: User, url: str, label: str) -> None:
        harness.say(_measure(Client(), user, url, repeat, label, explain=explain))

    api = reverse("api:tqm-project-list")
    try:
        page = reverse("tqm:project_list")
    except NoReverseMatch:
        harness.say("project list page (improver): skipped, URL name tqm:project_list does not exist yet")
    else:
        measure(improver, page, f"project list page {page} (improver, {total:,} rows)")
    measure(improver, api, f"projects API list, first page (improver, {total:,} rows)")
    measure(agent, api, f"projects API list, first page (agent, {projects_for(agent).count()} rows)")
    try:
        detail = reverse("tqm:project_detail", args=[showcase.pk])
    except NoReverseMatch:
        harness.say("project page (improver): skipped, URL name tqm:project_detail does not exist yet")
    else:
        measure(improver, detail, f"project page {detail} (improver, the completed showcase)")
    measure(
        improver,
        reverse("api:tqm-project-detail", args=[showcase.pk]),
        "projects API detail (improver, the completed showcase)",
    )


def _measure(client, user, url: str, repeat: int, label: str, *, explain: bool) -> str:
    timing = harness.measure(client, user, url, repeat, label)
    line = timing.line()
    if explain or timing.median > TARGET_MS:
        line += "\n" + _explain_slowest(timing.queries)
    return line


def _explain_slowest(captured: list[dict]) -> str:
    """The slowest statement of the request and how SQLite runs it."""
    from django.db import connection

    slowest = max(captured, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {slowest['sql']}")
        plan = [row[-1] for row in cursor.fetchall()]
    return (
        # Django records query times to the millisecond.
        f"    slowest query (~{float(slowest['time']) * 1000:.0f} ms): {slowest['sql'][:600]}\n"
        + "\n".join(f"    plan: {step}" for step in plan)
    )


if __name__ == "__main__":
    main()
