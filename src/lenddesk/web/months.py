"""Month arithmetic shared by the pages that work by the month (commission statements,
targets, reports): a month is the date of its first day."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from lenddesk.security.errors import refusal


def shift(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return shift(month, 1) - dt.timedelta(days=1)


def month_of(value, *, code: str) -> dt.date:
    """The first day of the month ``value`` names (a date, ``YYYY-MM`` or
    ``YYYY-MM-DD``), or a refusal naming ``month`` with ``code``."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        day = dt.datetime.strptime(str(value or "").strip()[:7], "%Y-%m").date()
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise refusal("month", _("Give the month as YYYY-MM."), code)
    return day
