"""manage.py draw_charts [--kind NAME ...] [--schedule NAME] [--queue]

Draws the charts of every kind (or of the kinds / schedule given) for every scope, here and now, and
prints what it drew. With --queue it hands the same work to the Celery workers instead and returns at
once: `make run` does this after loading the demo data, so the dashboards fill as soon as the worker
starts.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.reports import kinds, services
from apps.reports.kinds import NothingToDraw


class Command(BaseCommand):
    help = "Draw the stored charts now (or queue them for the workers with --queue)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", default=[], help="A kind of chart (repeatable).")
        parser.add_argument("--schedule", choices=kinds.SCHEDULES, help="Every kind on this schedule.")
        parser.add_argument("--queue", action="store_true", help="Queue the work for the Celery workers.")

    def handle(self, *args, kind: list[str], schedule: str | None, queue: bool, **options):
        unknown = sorted(set(kind) - set(kinds.names()))
        if unknown:
            raise CommandError(f"Unknown kind(s): {', '.join(unknown)}. Kinds: {', '.join(kinds.names())}")
        selected = [kinds.get(name) for name in kind] or (
            kinds.on_schedule(schedule) if schedule else list(kinds.registry().values())
        )
        if queue:
            from apps.reports.tasks import generate_kind

            for chosen in selected:
                generate_kind.delay(chosen.name)
            self.stdout.write(f"Queued {len(selected)} kinds of chart for the workers.")
            return
        started = time.monotonic()
        drawn = 0
        for chosen in selected:
            period = chosen.current_period(timezone.localdate())
            for scope in chosen.scopes():
                try:
                    services.generate(chosen, scope, period)
                except NothingToDraw:
                    continue
                drawn += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Drew {drawn} charts of {len(selected)} kinds in {time.monotonic() - started:.1f} s."
            )
        )
