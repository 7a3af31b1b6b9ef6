"""Settings for the Celery worker and beat processes a test starts with ``route_here=True``.

The test settings, plus two things a test decides through the environment (see tests/celery_worker.py):
every task these processes queue themselves (the charts a fan-out task queues, beat's entries) goes to
the test's own queue, which only its worker consumes; and beat may run a schedule of the test's own.
"""

import json
import os

from qa_center.settings.test import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["QA_CENTER_TEST_QUEUE"]

# {"name": {"task": ..., "schedule": seconds, "args": [...]}}: entries that fire within seconds.
if os.environ.get("QA_CENTER_TEST_BEAT_SCHEDULE"):
    CELERY_BEAT_SCHEDULE = json.loads(os.environ["QA_CENTER_TEST_BEAT_SCHEDULE"])
