"""Settings for the test suite: the environment's, made fast and deterministic."""

import os
from pathlib import Path

# Tests run as a developer's machine would, whatever the shell exports.
os.environ.setdefault("DEBUG", "1")
# Tasks the tests send (filesystem broker), their media and results stay out of the var/ folder of a
# developer's `make run`, whose worker would otherwise pick those messages up.
os.environ.setdefault("QA_CENTER_VAR_DIR", str(Path(__file__).resolve().parents[2] / "var" / "test"))

from .base import *  # noqa: E402,F403

# Hashing at full strength costs ~0.3 s per login; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
SECURE_SSL_REDIRECT = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests serve static files through the finders; nothing is collected.
STATIC_ROOT = None
# A TQM write would queue chart tasks on every test that changes a project; tests that check the
# redrawing switch it on.
REPORTS_REDRAW_ON_CHANGE = False
