"""Benchmark: QA evaluation lists over ~100,000 evaluations.

    DEBUG=1 .venv/bin/python benchmarks/qa_lists.py [--evaluations 100000] [--repeat 20]

Builds a throwaway SQLite database under var/bench/ (migrated, then filled by
the demo seeders: 400 agents, their calls, evaluations with answers, events
and disputes), then times list requests through django.test.Client the way a
browser would make them (session login, full middleware stack):

  (a) GET /api/v1/evaluations/ as the demo QA manager (every row in scope);
  (b) GET /api/v1/evaluations/ as the demo agent (their own evaluations only);
  (c) GET /qa/evaluations/ (URL name scorecards:evaluation_list) as the demo
      agent, when that page exists.

For each it prints the median and 95th percentile of ``--repeat`` timed
requests (after warm-up requests) and the number of SQL queries one request
makes. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

BASE_DIR = harness.BASE_DIR
DB_PATH = harness.BENCH_DIR / "qa_lists.sqlite3"
# The demo seeders' agents at --scale large: 25 teams × 16, plus the demo agent.
SEED_SCALE = "large"
# Share of calls the benchmark data set has evaluated (the demo's large scale uses 0.22 of 500k calls;
# a higher share reaches the same evaluation count with fewer calls, so set-up is quicker).
EVALUATED_SHARE = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evaluations", type=int, default=100_000, help="evaluations to create (about)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per measurement")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data set")
    parser.add_argument(
        "--reuse", action="store_true", help=f"reuse {DB_PATH.relative_to(BASE_DIR)} if present"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    args = parser.parse_args()
    if args.repeat < 1 or args.evaluations < 1:
        parser.error("--repeat and --evaluations must be positive")

    reuse = harness.start_django(DB_PATH, reuse=args.reuse)

    try:
        _prepare(args, reuse=reuse)
        _measure_all(args.repeat)
    finally:
        harness.finish(DB_PATH, keep=args.keep)


def _prepare(args, *, reuse: bool) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection, transaction

    from apps.scorecards.models import Evaluation

    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"SQLite {connection.Database.sqlite_version}, database {DB_PATH.relative_to(BASE_DIR)}"
    )
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if reuse and Evaluation.objects.exists():
        harness.say(f"Reusing the data set: {Evaluation.objects.count():,} evaluations.")
        return

    from apps.accounts import demo as accounts_demo
    from apps.scorecards import demo as qa_demo
    from qa_center.demo import DemoContext

    ctx = DemoContext(scale=SEED_SCALE, seed=args.seed, rng=random.Random(args.seed))
    with transaction.atomic():
        accounts_demo.seed(ctx)
        agents = len(ctx.data["agents"]) + 1  # the demo agent has calls too
        # Calls younger than two days are evaluated at 0.3 × the share (QA lags behind), hence the factor.
        evaluated_per_call = EVALUATED_SHARE * ((qa_demo.DAYS - 2) + 2 * 0.3) / qa_demo.DAYS
        calls_per_agent = math.ceil(args.evaluations / (agents * evaluated_per_call))
        volume = qa_demo.Volume(
            calls_per_agent=calls_per_agent,
            evaluated_share=EVALUATED_SHARE,
            extra_evaluators=qa_demo.VOLUMES[SEED_SCALE].extra_evaluators,
        )
        qa_demo.seed_qa(ctx, volume)
    for line in ctx.lines:
        harness.say(f"  {line}")
    harness.say(f"Data set ready in {time.monotonic() - started:.1f} s ({calls_per_agent} calls per agent).")


def _measure_all(repeat: int) -> None:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from apps.accounts.models import User
    from apps.scorecards.models import Evaluation

    manager = User.objects.get(username="qamanager")
    agent = User.objects.get(username="agent")
    total = Evaluation.objects.count()
    visible = Evaluation.objects.submitted().filter(agent=agent).count()
    busiest = Evaluation.objects.submitted().values("agent").annotate(n=Count("id")).order_by(
        "-n"
    ).first() or {"n": 0}
    harness.say(
        f"Measuring {repeat} requests each after {harness.WARM_UP} warm-up requests; the demo agent sees "
        f"{visible} of their evaluations (the busiest agent has {busiest['n']})."
    )
    api = reverse("api:evaluation-list")
    harness.say(_measure(Client(), manager, api, repeat, f"evaluations API list (qa_manager, {total} rows)"))
    harness.say(_measure(Client(), agent, api, repeat, f"evaluations API list (agent, {visible} rows)"))
    page = reverse("scorecards:evaluation_list")
    harness.say(
        _measure(Client(), agent, page, repeat, f"evaluation list page {page} (agent, {visible} rows)")
    )


def _measure(client, user, url: str, repeat: int, label: str) -> str:
    return harness.measure(client, user, url, repeat, label).line()


if __name__ == "__main__":
    main()
