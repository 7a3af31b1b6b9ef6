"""The foundation against real PostgreSQL, Redis and a Celery worker process on Redis."""

import os
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Department
from apps.accounts.roles import Role
from qa_center.errors import ValidationFailed
from tests.celery_worker import producer_for, running_worker
from tests.factories import UserFactory

pytestmark = pytest.mark.integration


def test_database_is_postgresql_and_cache_is_redis():
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.set("integration-probe", {"ok": 1}, timeout=30)
    assert cache.get("integration-probe") == {"ok": 1}


@pytest.mark.django_db
def test_healthz_reports_postgresql_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["vendor"] == "postgresql"
    assert body["broker"]["transport"] == "redis"


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_name_leave_one_department_and_a_clear_error():
    admin = UserFactory(roles=[Role.ADMIN])
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def create(name: str) -> None:
        barrier.wait()
        try:
            services.department_save(by=admin, name=name)
            outcomes.append("created")
        except ValidationFailed as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    # Different spellings of one name: the case-insensitive unique index decides.
    threads = [
        threading.Thread(target=create, args=(name,)) for name in ["Billing", "BILLING", "billing", "Billing"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Department.objects.filter(name__iexact="billing").count() == 1
    assert outcomes.count("created") == 1
    assert all("is already used" in outcome for outcome in outcomes if outcome != "created")


def test_worker_process_runs_a_task_through_redis(tmp_path):
    redis_url = os.environ["REDIS_URL"]
    producer = producer_for(redis_url=redis_url, data_dir=tmp_path)
    with running_worker(var_dir=tmp_path, extra_env={"REDIS_URL": redis_url}) as queue:
        result = producer.send_task("qa_center.ping", args=["over redis"], queue=queue)
        assert result.get(timeout=60) == {"reply": "over redis"}


@pytest.mark.django_db(transaction=True)
def test_worker_process_writes_to_postgresql(tmp_path):
    """The nightly session clean-up, run by a real worker against the test database."""
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now - timedelta(hours=1))
    Session.objects.create(session_key="current", session_data="", expire_date=now + timedelta(hours=1))
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    redis_url = os.environ["REDIS_URL"]
    producer = producer_for(redis_url=redis_url, data_dir=tmp_path)
    extra_env = {"REDIS_URL": redis_url, "DATABASE_URL": database_url}
    with running_worker(var_dir=tmp_path, extra_env=extra_env) as queue:
        result = producer.send_task("accounts.clear_expired_sessions", queue=queue)
        assert result.get(timeout=60) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
