"""Typed reads of the environment, for ``settings.py``.

Every setting the operator can change is read through one of these, so each has one
spelling of its default and a bad value stops the start with the variable's name
instead of a stack trace deep in Django (docs/operations.md lists them all).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def env_present(name: str) -> bool:
    """Whether the variable is set at all (even to an empty value)."""
    return name in os.environ


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number within [minimum, maximum]; anything else refuses to start."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            "%s must be a whole number, not %r." % (name, raw)
        ) from None
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        low = "-∞" if minimum is None else minimum
        high = "∞" if maximum is None else maximum
        raise ImproperlyConfigured(
            "%s must be between %s and %s, not %d." % (name, low, high, value)
        )
    return value


def env_bool(name: str, default: bool) -> bool:
    """A switch spelled ``1`` (on) or ``0`` (off), as docs/operations.md writes them.
    Set to anything but ``1`` it is off, as it always was: no new spelling turns a
    switch (``DEBUG``) on behind the operator's back."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw == "1"


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, each entry stripped, empty entries dropped."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]
