"""Where Celery sends tasks and keeps results, from REDIS_URL or a local folder.

No Django imports: tests use it to build a producer that talks to the same
broker as a worker they start.
"""

from __future__ import annotations

import os
from pathlib import Path


def celery_transport(*, redis_url: str | None, data_dir: Path) -> dict:
    """Broker URL, result backend and transport options for Celery."""
    if redis_url:
        return {"broker_url": redis_url, "result_backend": redis_url, "broker_transport_options": {}}
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
