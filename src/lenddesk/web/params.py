"""Whole numbers from query strings, forms and JSON, bounded to what the database
stores: a primary key or a count is 1 … 2^63-1 (PostgreSQL's bigint, SQLite's
INTEGER). A number past that used to reach the database driver and answer 500."""

from __future__ import annotations

import re

from rest_framework import serializers

BIGINT_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also takes "²"


def int_or_none(value, *, low: int = 1, high: int = BIGINT_MAX) -> int | None:
    """The whole number ``value`` spells in ``low … high``, else None (missing,
    blank, not ASCII digits, or out of range)."""
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


class IdField(serializers.IntegerField):
    """An id in an API request: 1 … 2^63-1, so a number past what the database
    stores is a 400 naming the field instead of an overflow in the driver."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


def url_with(name: str, **params) -> str:
    """The URL named ``name`` with the given query parameters, leaving out the
    empty ones (a link from a number to the list it counts)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + ("?" + query if query else "")
