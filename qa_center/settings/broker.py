"""Where Celery sends tasks and keeps results, from REDIS_URL or a local folder.

No Django imports: tests use it to build a producer that talks to the same
broker as a worker they start.
"""

from __future__ import annotations

import os
from pathlib import Path

from .env import env_int

# Celery's own default. With acks_late, Redis hands a task that was delivered but never acknowledged
# (its worker was killed) to another worker only once this many seconds have passed since delivery; a
# task still running after that long is delivered a second time, so keep it above the longest task and
# countdown.
DEFAULT_VISIBILITY_TIMEOUT = 60 * 60


def redis_visibility_timeout() -> int:
    """Seconds before Redis redelivers an unacknowledged task: $CELERY_VISIBILITY_TIMEOUT or 1 hour."""
    return env_int("CELERY_VISIBILITY_TIMEOUT", DEFAULT_VISIBILITY_TIMEOUT, minimum=1)


def celery_transport(*, redis_url: str | None, data_dir: Path) -> dict:
    """Broker URL, result backend and transport options for Celery."""
    if redis_url:
        return {
            "broker_url": redis_url,
            "result_backend": redis_url,
            "broker_transport_options": {"visibility_timeout": redis_visibility_timeout()},
        }
    queue = str(data_dir / "queue")
    return {
        # kombu's filesystem transport: one folder for both directions, since
        # producers and consumers share one machine.
        "broker_url": "filesystem://",
        "result_backend": f"file://{data_dir / 'results'}",
        "broker_transport_options": {
            "data_folder_in": queue,
            "data_folder_out": queue,
            "control_folder": str(data_dir / "control"),
            "store_processed": False,
        },
    }


def create_local_folders(conf) -> None:
    """Create the folders of the filesystem broker and file result backend, if used."""
    if str(conf.get("broker_url", "")).startswith("filesystem"):
        options = conf.get("broker_transport_options") or {}
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)
    backend = str(conf.get("result_backend") or "")
    if backend.startswith("file://"):
        os.makedirs(backend.removeprefix("file://"), exist_ok=True)
