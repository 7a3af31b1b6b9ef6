"""What every benchmark script shares: a throwaway SQLite database, Django set-up, timed GETs."""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
WARM_UP = 3


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def remove_database(db_path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def start_django(db_path: Path, *, reuse: bool) -> bool:
    """Point Django at ``db_path`` (never the developer's database) and set it up.

    Returns whether an existing file is reused."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    reuse = reuse and db_path.exists()
    if not reuse:
        remove_database(db_path)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # Adds "testserver" to ALLOWED_HOSTS; DEBUG off at run time, as in production (no query log).
    setup_test_environment(debug=False)
    return reuse


def finish(db_path: Path, *, keep: bool) -> None:
    if not keep:
        from django.db import connection

        connection.close()
        remove_database(db_path)


@dataclass
class Timing:
    label: str
    median: float
    p95: float
    queries: list[dict]

    def line(self) -> str:
        return (
            f"{self.label}: median {self.median:.1f} ms, p95 {self.p95:.1f} ms, {len(self.queries)} queries"
        )


def measure(client, user, url: str, repeat: int, label: str) -> Timing:
    """Median and p95 of ``repeat`` GETs after a warm-up, and the queries of one more request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    for _ in range(WARM_UP):
        get(client, url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        get(client, url)
    # Nearest-rank percentile: the smallest sample with at least 95 % of the samples at or below it.
    p95 = sorted(samples)[math.ceil(0.95 * len(samples)) - 1]
    return Timing(label, statistics.median(samples), p95, list(queries.captured_queries))


def get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}, not 200: the benchmark stops here.")
    return response
