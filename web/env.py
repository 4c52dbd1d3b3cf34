"""Typed helpers that read settings from the environment and fail clearly.

Each helper raises :class:`~django.core.exceptions.ImproperlyConfigured` naming the variable, the bad value and
what is accepted, so a mistyped setting is a one-line fix rather than a traceback deep inside Django.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """A string variable; required when ``default`` is None."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} is not set. Set it in the environment (see README.md).")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable (1/0, true/false, yes/no, on/off)."""
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean. Use one of: 1, 0, true, false, yes, no.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer variable within optional bounds."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={number} is out of range [{minimum}, {maximum}].")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """A variable that must be one of ``choices``."""
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not supported. Use one of: {', '.join(choices)} (default {default})."
        )
    return value


def env_path(name: str, default: Path) -> Path:
    """A filesystem path (not required to exist), made absolute."""
    value = os.environ.get(name)
    return (Path(value).expanduser() if value else default).resolve()


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
