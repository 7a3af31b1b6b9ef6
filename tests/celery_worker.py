"""Start a real Celery worker process for a test, and a producer that talks to the same broker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
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


@contextlib.contextmanager
def running_worker(*, var_dir: Path, extra_env: dict[str, str] | None = None, log_path: Path | None = None):
    """Run ``celery worker`` in a subprocess on a queue of its own; yields the queue name."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
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
            **(extra_env or {}),
        }
    )
    log = open(log_path or var_dir / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "qa_center",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@localhost",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield queue
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
