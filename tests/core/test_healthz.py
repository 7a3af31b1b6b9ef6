"""/healthz reports database and broker status; 200 when both answer, 503 otherwise."""

import pytest

from qa_center.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_is_200_with_database_and_filesystem_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["broker"]["transport"] == celery_app.conf.broker_url.split(":")[0]
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    # Port 9 (discard) on loopback has no Redis: a real, failing connection attempt.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": False, "transport": "redis", "error": "OperationalError"}


@pytest.mark.django_db
def test_healthz_needs_no_login_and_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405
