"""Small ORM helpers for hot paths."""

from __future__ import annotations


def first_or_none(queryset):
    """The one row a filter on a unique key finds, or None: ``.first()`` without the
    ORDER BY it adds (Django compiles the model's ordering on every call; on an API
    request's five key lookups that was a tenth of its time)."""
    return next(iter(queryset.order_by()[:1]), None)
