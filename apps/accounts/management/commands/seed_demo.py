"""manage.py seed_demo [--scale small|large] [--seed N]

Creates a realistic, reproducible demo data set. Each app contributes through
an optional ``demo.py`` with ``seed(ctx)``; they run in INSTALLED_APPS order
inside one transaction, so a failure leaves the database as it was.
"""

import importlib
import importlib.util
import random
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qa_center.demo import DemoContext


class Command(BaseCommand):
    help = "Create reproducible demo data: teams, users of every role, and each app's data."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "large"], default="small")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG is off (demo logins have a published password).",
        )

    def handle(self, *args, scale, seed, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to create demo users with a published password while DEBUG is off. "
                "Pass --allow-production if this really is a demo server."
            )
        started = time.monotonic()
        ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed))
        with transaction.atomic():
            for module in self._demo_modules():
                module.seed(ctx)
        elapsed = time.monotonic() - started

        for line in ctx.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ({scale}, seed {seed}) ready in {elapsed:.1f} s."))
        self.stdout.write("Demo logins (sign in at http://127.0.0.1:8000/login/):")
        for login in ctx.logins:
            self.stdout.write(f"  {login['username']:<12} {login['password']:<16} {login['role']}")

    @staticmethod
    def _demo_modules():
        for config in apps.get_app_configs():
            if not config.name.startswith("apps."):
                continue
            name = f"{config.name}.demo"
            if importlib.util.find_spec(name) is not None:
                yield importlib.import_module(name)
