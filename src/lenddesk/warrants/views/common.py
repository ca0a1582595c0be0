"""Query-string reading shared by the warrant pages."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from lenddesk.web.params import int_or_none

WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


def date_or_none(value) -> dt.date | None:
    try:
        day = dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def monday_of(week: str | None) -> dt.date:
    """The Monday of an ISO week written ``2026-W07``; this week when the value is
    missing or not a week that exists."""
    found = WEEK.match((week or "").strip())
    if found:
        year, number = int(found.group(1)), int(found.group(2))
        if 2000 <= year <= 2100:
            try:
                return dt.date.fromisocalendar(year, number, 1)
            except ValueError:
                pass
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def week_label(monday: dt.date) -> str:
    year, number, _day = monday.isocalendar()
    return "%d-W%02d" % (year, number)


def page_number(value) -> int:
    return int_or_none(value, high=100_000) or 1
