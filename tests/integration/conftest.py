"""Integration tests need live PostgreSQL and Redis.

They run when DATABASE_URL points at PostgreSQL and REDIS_URL at Redis. Without
them they are skipped with the reason, except when QA_CENTER_REQUIRE_SERVICES=1
(as .ci/run sets), where a missing service fails the run instead.
"""

import os

import pytest
import redis
from django.db import connection


def _missing_services() -> list[str]:
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL does not point at PostgreSQL")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing.append("REDIS_URL is not set")
    else:
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            missing.append(f"Redis at REDIS_URL does not answer ({type(exc).__name__})")
    return missing


@pytest.fixture(autouse=True)
def live_services():
    missing = _missing_services()
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("QA_CENTER_REQUIRE_SERVICES") == "1":
            pytest.fail(f"QA_CENTER_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(f"integration test needs live services: {reason}")
