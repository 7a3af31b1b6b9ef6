"""The Celery application.

Configuration lives in Django settings under the ``CELERY_`` prefix (broker,
serializer, acks_late, beat schedule); tasks are found in each app's tasks.py.
"""

import os

from celery import Celery

from qa_center.settings.broker import create_local_folders

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")

app = Celery("qa_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.include = ["qa_center.tasks"]


@app.on_after_configure.connect
def _create_local_folders(sender, **kwargs) -> None:
    # Without Redis, the broker and results are folders that must exist.
    create_local_folders(sender.conf)
