"""Start real Celery worker and beat processes for a test, and a producer that talks to the same broker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from celery import Celery

from qa_center.settings.broker import celery_transport, create_local_folders

ROOT = Path(__file__).resolve().parents[1]


def producer_for(*, redis_url: str | None, data_dir: Path) -> Celery:
    """A Celery client configured like a worker started with the same broker settings."""
    app = Celery("qa_center_test_producer", set_as_current=False)
    app.conf.update(
        **celery_transport(redis_url=redis_url, data_dir=data_dir),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
    )
    create_local_folders(app.conf)
    return app


@dataclass
class CeleryProcess:
    """A ``celery worker`` or ``celery beat`` process a test started, alone in its process group."""

    process: subprocess.Popen
    queue: str
    log_path: Path

    def kill(self) -> None:
        """SIGKILL the process and its children at once: no shutdown, no acknowledgement, as a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _environment(var_dir: Path, queue: str, extra_env: dict[str, str] | None, route_here: bool) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "qa_center.settings.test",
            "QA_CENTER_VAR_DIR": str(var_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if route_here:
        # tests/celery_settings.py sends what the process queues itself to the test's queue.
        env.update({"DJANGO_SETTINGS_MODULE": "tests.celery_settings", "QA_CENTER_TEST_QUEUE": queue})
    env.update(extra_env or {})
    return env


@contextlib.contextmanager
def _celery_process(
    arguments: list[str], *, env: dict, queue: str, log_path: Path
) -> Iterator[CeleryProcess]:
    log = open(log_path, "a")  # noqa: SIM115 - closed below; "a": a restarted worker keeps the log
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qa_center", *arguments],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield CeleryProcess(process=process, queue=queue, log_path=log_path)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@contextlib.contextmanager
def worker_process(
    *,
    var_dir: Path,
    extra_env: dict[str, str] | None = None,
    log_path: Path | None = None,
    queue: str | None = None,
    route_here: bool = False,
    concurrency: int | None = None,
) -> Iterator[CeleryProcess]:
    """Run ``celery worker`` on one queue (a new one unless ``queue`` is given).

    ``route_here``: tasks the worker queues itself go to its queue too (fan-out tasks).
    ``concurrency``: a prefork pool of that many processes instead of the solo pool.
    """
    queue = queue or new_queue()
    pool = ["--pool=solo"] if concurrency is None else ["--pool=prefork", f"--concurrency={concurrency}"]
    arguments = [
        "worker",
        *pool,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "-Q",
        queue,
        "-n",
        f"{queue}-{uuid.uuid4().hex[:6]}@localhost",
    ]
    env = _environment(var_dir, queue, extra_env, route_here)
    with _celery_process(
        arguments, env=env, queue=queue, log_path=log_path or var_dir / "worker.log"
    ) as worker:
        yield worker


@contextlib.contextmanager
def running_worker(
    *, var_dir: Path, extra_env: dict[str, str] | None = None, log_path: Path | None = None, **options
):
    """Run ``celery worker`` in a subprocess on a queue of its own; yields the queue name.

    ``options`` are worker_process's (queue, route_here, concurrency)."""
    with worker_process(var_dir=var_dir, extra_env=extra_env, log_path=log_path, **options) as worker:
        yield worker.queue


@contextlib.contextmanager
def running_beat(
    *,
    var_dir: Path,
    queue: str,
    schedule: dict[str, dict],
    extra_env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[CeleryProcess]:
    """Run ``celery beat`` with ``schedule`` (entries as in CELERY_BEAT_SCHEDULE, schedules in seconds)
    instead of the project's, sending to ``queue``; its schedule file stays under ``var_dir``."""
    env = _environment(var_dir, queue, extra_env, route_here=True)
    env["QA_CENTER_TEST_BEAT_SCHEDULE"] = json.dumps(schedule)
    arguments = ["beat", "--loglevel=INFO", "--schedule", str(var_dir / "beat-schedule")]
    with _celery_process(arguments, env=env, queue=queue, log_path=log_path or var_dir / "beat.log") as beat:
        yield beat


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
