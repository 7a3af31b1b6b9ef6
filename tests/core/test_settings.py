"""Settings come from the environment through strict parsers; production refuses unsafe starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa_center.settings.env import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET = "Jx8-vQ2p_Lw7Ns4kZr1Tf6Yb3Hc9Dm0GuEaWo5XiRl2PqVnKs7Bt"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]
)
def test_env_bool_reads_known_words(raw, expected):
    assert env_bool("X", not expected, environ={"X": raw}) is expected


def test_env_bool_uses_default_when_unset_or_blank():
    assert env_bool("X", True, environ={}) is True
    assert env_bool("X", False, environ={"X": "  "}) is False


def test_env_bool_refuses_other_words_naming_the_variable():
    with pytest.raises(ConfigurationError, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_int_parses_and_refuses():
    assert env_int("N", 5, environ={"N": " 42 "}) == 42
    with pytest.raises(ConfigurationError, match=r"EMAIL_PORT='abc' is not a whole number"):
        env_int("EMAIL_PORT", 25, environ={"EMAIL_PORT": "abc"})
    with pytest.raises(ConfigurationError, match=r"EMAIL_PORT='0' must be at least 1"):
        env_int("EMAIL_PORT", 25, environ={"EMAIL_PORT": "0"}, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks():
    assert env_list("H", ["x"], environ={"H": " a.example , ,b.example,"}) == ["a.example", "b.example"]
    assert env_list("H", ["x"], environ={}) == ["x"]


def test_env_choice_and_str():
    assert env_choice("L", "en", ["en", "zh-hans"], environ={"L": "zh-hans"}) == "zh-hans"
    with pytest.raises(ConfigurationError, match=r"L='fr' is not one of en, zh-hans"):
        env_choice("L", "en", ["en", "zh-hans"], environ={"L": "fr"})
    assert env_str("S", "d", environ={"S": ""}) == "d"


def _run_manage(*args, **env):
    """Run manage.py in a clean environment holding only ``env`` (plus PATH)."""
    clean = {
        "PATH": os.environ["PATH"],
        "QA_CENTER_VAR_DIR": env.pop("QA_CENTER_VAR_DIR", "/tmp/qa-center-settings-test"),
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_manage("check", DJANGO_SETTINGS_MODULE="qa_center.settings.base")
    assert result.returncode != 0
    assert "SECRET_KEY is not set. Production (DEBUG unset or false) refuses to start" in result.stderr


def test_bad_boolean_stops_start_up_with_the_variable_name():
    result = _run_manage("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_unknown_time_zone_is_refused():
    result = _run_manage("check", DEBUG="1", TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "TIME_ZONE='Mars/Olympus' is not an IANA time zone name" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="qa.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_read_database_redis_and_locale_from_environment():
    code = (
        "from django.conf import settings as s; "
        "db = s.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'], s.CACHES['default']['BACKEND'], "
        "s.CELERY_BROKER_URL, s.TIME_ZONE, s.LANGUAGE_CODE, s.ALLOWED_HOSTS, s.DEBUG)"
    )
    result = _run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET,
        DATABASE_URL="postgres://qa:pw@db.internal:5432/qacenter",
        REDIS_URL="redis://cache.internal:6379/1",
        TIME_ZONE="Europe/Berlin",
        LANGUAGE_CODE="zh-hans",
        ALLOWED_HOSTS="qa.example.com,qa2.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "qacenter",
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/1",
        "Europe/Berlin",
        "zh-hans",
        "['qa.example.com',",
        "'qa2.example.com']",
        "False",
    ]


def test_defaults_are_sqlite_under_var_and_filesystem_broker(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['NAME'], s.CACHES['default']['BACKEND'], "
        "s.CELERY_BROKER_URL, s.TIME_ZONE, s.USE_TZ)"
    )
    result = _run_manage("shell", "--verbosity=0", "-c", code, DEBUG="1", QA_CENTER_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "qa_center.sqlite3"),
        "django.core.cache.backends.locmem.LocMemCache",
        "filesystem://",
        "Asia/Shanghai",
        "True",
    ]
