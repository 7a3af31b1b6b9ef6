"""/healthz: is the database answering, is the Celery broker reachable?

Load balancers and ``make run`` users call it without signing in; it reveals
only up/down and the broker's transport name, never addresses or credentials.
"""

from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from .celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the type is what operators need
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": _elapsed_ms(started)}


def check_broker() -> dict:
    started = time.monotonic()
    broker_url = celery_app.conf.broker_url
    broker = Connection(
        broker_url,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=celery_app.conf.broker_transport_options or {},
    )
    try:
        broker.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )
    except Exception as exc:
        return {"ok": False, "transport": broker.transport_cls, "error": type(exc).__name__}
    finally:
        broker.release()
    return {"ok": True, "transport": broker.transport_cls, "ms": _elapsed_ms(started)}


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
