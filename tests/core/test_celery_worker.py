"""A real Celery worker process consumes tasks from the filesystem broker (no Redis needed)."""

from qa_center.celery import app as project_app
from tests.celery_worker import producer_for, running_worker


def test_celery_configuration_is_json_and_acks_late():
    conf = project_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert "accounts-clear-expired-sessions" in conf.beat_schedule


def test_worker_process_runs_a_task_through_the_filesystem_broker(tmp_path):
    data_dir = tmp_path / "celery"
    producer = producer_for(redis_url=None, data_dir=data_dir)
    with running_worker(var_dir=tmp_path) as queue:
        result = producer.send_task("qa_center.ping", args=["hello from the test"], queue=queue)
        reply = result.get(timeout=60)
    assert reply == {"reply": "hello from the test"}
    assert result.state == "SUCCESS"
