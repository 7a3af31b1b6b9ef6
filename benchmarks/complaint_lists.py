"""Benchmark: complaint lists and queues over ~100,000 tickets.

    DEBUG=1 .venv/bin/python benchmarks/complaint_lists.py [--tickets 100000] [--repeat 20] [--explain]

Builds a throwaway SQLite database under var/bench/ (migrated, then filled by the demo seeders:
400 agents and one login per role, then ~100,000 tickets with ~300,000 timeline events from
apps/complaints/demo.py), then times list requests through django.test.Client the way a browser
would make them (session login, full middleware stack):

  (a) GET /api/v1/tickets/ (first page) as the demo duty manager, who sees every ticket;
  (b) GET /complaints/queue/ (URL name complaints:queue) as the demo duty manager, when that page
      exists; otherwise the API list filtered to the duty manager's states (with_duty_manager,
      feedback) instead;
  (c) GET /api/v1/tickets/ as the demo agent, expert and department staff (scoped lists).

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
from dataclasses import replace

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

BASE_DIR = harness.BASE_DIR
DB_PATH = harness.BENCH_DIR / "complaint_lists.sqlite3"
SEED_SCALE = "large"  # 25 teams × 16 agents, the large pools of experts, duty managers, department staff
TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets to create")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per measurement")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data set")
    parser.add_argument("--explain", action="store_true", help="print the slowest query's plan every time")
    parser.add_argument(
        "--reuse", action="store_true", help=f"reuse {DB_PATH.relative_to(BASE_DIR)} if present"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    args = parser.parse_args()
    if args.repeat < 1 or args.tickets < 1:
        parser.error("--repeat and --tickets must be positive")

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

    from apps.complaints.models import Ticket

    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"SQLite {connection.Database.sqlite_version}, database {DB_PATH.relative_to(BASE_DIR)}"
    )
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if reuse and Ticket.objects.exists():
        harness.say(f"Reusing the data set: {Ticket.objects.count():,} tickets.")
        return

    from apps.accounts import demo as accounts_demo
    from apps.complaints import demo as complaints_demo
    from qa_center.demo import DemoContext

    ctx = DemoContext(scale=SEED_SCALE, seed=args.seed, rng=random.Random(args.seed))
    with transaction.atomic():
        accounts_demo.seed(ctx)
        # No calls or evaluations: the complaint lists do not read them.
        volume = replace(complaints_demo.VOLUMES[SEED_SCALE], tickets=args.tickets)
        complaints_demo.seed_complaints(ctx, volume)
    for line in ctx.lines:
        harness.say(f"  {line}")
    harness.say(f"Data set ready in {time.monotonic() - started:.1f} s.")


def _measure_all(repeat: int, *, explain: bool) -> None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from apps.accounts.models import User
    from apps.complaints import selectors
    from apps.complaints.access import tickets_for
    from apps.complaints.models import Ticket
    from apps.complaints.states import State

    users = {
        name: User.objects.get(username=name) for name in ("dutymanager", "agent", "expert", "deptstaff")
    }
    duty_manager = users["dutymanager"]
    queue = selectors.queue_for(duty_manager).count()
    harness.say(
        f"Measuring {repeat} requests each after {harness.WARM_UP} warm-up requests; "
        f"{Ticket.objects.count():,} tickets, {queue} in the duty manager's queue."
    )
    api = reverse("api:ticket-list")

    def measure(user: User, url: str, label: str) -> None:
        harness.say(_measure(Client(), user, url, repeat, label, explain=explain))

    measure(
        duty_manager, api, f"tickets API list, first page (duty_manager, {Ticket.objects.count():,} rows)"
    )
    try:
        page = reverse("complaints:queue")
    except NoReverseMatch:
        harness.say("queue page (duty_manager): skipped, URL name complaints:queue does not exist yet")
        for state in (State.WITH_DUTY_MANAGER, State.FEEDBACK):
            rows = Ticket.objects.filter(state=state).count()
            measure(
                duty_manager,
                f"{api}?state={state}",
                f"tickets API list ?state={state} (duty_manager, {rows} rows)",
            )
    else:
        measure(duty_manager, page, f"queue page {page} (duty_manager, {queue} rows)")
    for name in ("agent", "expert", "deptstaff"):
        rows = tickets_for(users[name]).count()
        measure(users[name], api, f"tickets API list, first page ({name}, {rows:,} rows)")


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
