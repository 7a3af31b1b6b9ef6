"""Strict parsers for configuration taken from environment variables.

A bad value stops start-up with a message that names the variable, instead of
silently falling back to a default (the idea of healthchecks' ``envbool``).
No Django imports here: settings modules import this before Django is set up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigurationError(Exception):
    """A configuration value is missing or malformed."""


def env_str(name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None) -> str | None:
    """Return the variable's value, or ``default`` when it is unset or empty."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    return value if value.strip() else default


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """Parse a boolean; anything but the known true/false words is an error."""
    value = env_str(name, environ=environ)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(
        f"{name}={value!r} is not a boolean: use one of {sorted(TRUE_WORDS | FALSE_WORDS)}."
    )


def env_int(name: str, default: int, *, environ: Mapping[str, str] | None = None, minimum: int = 0) -> int:
    """Parse a whole number not below ``minimum``."""
    value = env_str(name, environ=environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ConfigurationError(f"{name}={value!r} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Parse a comma-separated list, dropping blanks around and between items."""
    value = env_str(name, environ=environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: list[str], *, environ: Mapping[str, str] | None = None
) -> str:
    """Parse a value that must be one of ``choices``."""
    value = env_str(name, environ=environ)
    if value is None:
        return default
    value = value.strip()
    if value not in choices:
        raise ConfigurationError(f"{name}={value!r} is not one of {', '.join(choices)}.")
    return value
