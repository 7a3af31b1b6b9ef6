"""QA Center settings, read from the environment.

One module for every deployment: ``DEBUG=1`` for a developer's machine (what
``make run`` sets), ``DEBUG`` unset or false in production, where the secure
defaults below switch on and ``SECRET_KEY`` becomes mandatory. The README's
configuration table documents every variable read here.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .broker import celery_transport
from .env import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Writable files of a single-machine install: the SQLite database, the
# filesystem Celery broker and results, the beat schedule, collected static.
VAR_DIR = Path(env_str("QA_CENTER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# --- Secrets ---------------------------------------------------------------
_DEV_SECRET_KEY = "django-insecure-qa-center-development-only-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ConfigurationError(
            "SECRET_KEY is not set. Production (DEBUG unset or false) refuses to start without "
            "one: set SECRET_KEY to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications ----------------------------------------------------------
INSTALLED_APPS = [
    "apps.accounts.admin_site.QACenterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "qa_center",
    "apps.accounts",
    "apps.scorecards",
    "apps.complaints",
    "apps.tqm",
    "apps.metrics",
    "apps.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "qa_center.urls"
WSGI_APPLICATION = "qa_center.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.navigation",
                "apps.complaints.context_processors.notification_bell",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'qa_center.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file on a developer's machine:
    # wait for a lock instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "qa_center"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Passwords -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation --------------------------------------------------
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", [code for code, _name in LANGUAGES])
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ConfigurationError(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name.")
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in TIME_ZONE
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (run collectstatic); plain files when developing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ----------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "qa-center@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------
# Secure by default outside DEBUG; each switch can be turned off for a
# deployment that terminates TLS elsewhere (document why when you do).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=60)

# --- REST API --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "no credentials" a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "qa_center.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qa_center.api.errors.exception_handler",
    # Password guessing against the token endpoint: per client address.
    "DEFAULT_THROTTLE_RATES": {"token": env_str("TOKEN_THROTTLE_RATE", "20/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QA Center API",
    "DESCRIPTION": "Scorecards, evaluations, complaints, TQM projects, metrics and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar: /api/docs/ works with no network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "TicketStateEnum": "apps.complaints.states.State",
        "CriterionKindEnum": "apps.scorecards.models.CriterionKind",
        "TqmProjectStatusEnum": "apps.tqm.steps.Status",
        "TqmActionStatusEnum": "apps.tqm.steps.ActionStatus",
        "TqmStepEnum": "apps.tqm.steps.Step",
        "TqmEventKindEnum": "apps.tqm.steps.EventKind",
        "TqmStatusChangeEnum": "apps.tqm.serializers.STATUS_CHANGE_CHOICES",
        "ReportTaskStateEnum": "apps.reports.models.TaskState",
    },
}

# --- Celery ----------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport and
# Celery's file result backend under var/celery/, so a fresh machine runs a
# real worker and beat with no other service.
CELERY_DATA_DIR = VAR_DIR / "celery"
_celery_transport = celery_transport(redis_url=REDIS_URL, data_dir=CELERY_DATA_DIR)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", _celery_transport["broker_url"])
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _celery_transport["result_backend"])
CELERY_BROKER_TRANSPORT_OPTIONS = _celery_transport["broker_transport_options"]
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # with acks_late: hold one unacknowledged task at a time
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_TRACK_STARTED = True  # lets pages show "started", not just "pending"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    # SLA clocks are minutes long; a breach should be noticed within a minute.
    "complaints-sla-sweep": {"task": "complaints.sla_sweep", "schedule": 60},
    # Expired sessions pile up in the database; once a night is plenty.
    "accounts-clear-expired-sessions": {
        "task": "accounts.clear_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
    # Charts (apps/reports): each entry queues every chart of the kinds on that schedule.
    # Complaints move by the hour; QA and KPI figures arrive daily; the ranking closes monthly.
    "reports-hourly": {
        "task": "reports.generate_schedule",
        "schedule": crontab(minute=5),
        "args": ["hourly"],
    },
    "reports-nightly": {
        "task": "reports.generate_schedule",
        "schedule": crontab(hour=2, minute=15),
        "args": ["nightly"],
    },
    "reports-weekly": {
        "task": "reports.generate_schedule",
        "schedule": crontab(hour=3, minute=0, day_of_week="mon"),
        "args": ["weekly"],
    },
    "reports-monthly": {
        "task": "reports.generate_schedule",
        "schedule": crontab(hour=3, minute=30, day_of_month="1"),
        "args": ["monthly"],
    },
}

# --- Reports -----------------------------------------------------------------
# A TQM project's stored charts are redrawn this many seconds after a change (changes in between
# ride along); 0 queues at once. Off in the test settings, where tests switch it on.
REPORTS_REDRAW_ON_CHANGE = env_bool("REPORTS_REDRAW_ON_CHANGE", True)
REPORTS_REDRAW_DELAY_SECONDS = env_int("REPORTS_REDRAW_DELAY_SECONDS", 5, minimum=0)

# --- Quality assurance -----------------------------------------------------
# Days an agent has to dispute a submitted evaluation.
QA_DISPUTE_WINDOW_DAYS = env_int("QA_DISPUTE_WINDOW_DAYS", 7, minimum=1)

# --- Complaints --------------------------------------------------------------
# Days after closing during which a duty manager may reopen a ticket.
COMPLAINTS_REOPEN_WINDOW_DAYS = env_int("COMPLAINTS_REOPEN_WINDOW_DAYS", 30, minimum=1)
# Attachments: size limit and the content types accepted.
COMPLAINTS_ATTACHMENT_MAX_BYTES = env_int("COMPLAINTS_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
COMPLAINTS_ATTACHMENT_TYPES = env_list(
    "COMPLAINTS_ATTACHMENT_TYPES",
    ["application/pdf", "image/png", "image/jpeg", "text/plain", "audio/mpeg", "audio/wav"],
)

# --- Logging ---------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Replace Django's own "django" handlers so each record is printed once.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
