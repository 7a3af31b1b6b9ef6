"""WSGI entry point, e.g. ``gunicorn qa_center.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")

application = get_wsgi_application()
