"""Call statistics per person, team (department) and day, inside the data scope:
calls, connected, connect rate, talk time, visits booked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from lenddesk.telephony.models import CallRecord, CallResult

MAX_DAYS = 92


@dataclass
class Line:
    key: str
    label: str
    calls: int = 0
    connected: int = 0
    talk_seconds: int = 0
    visits: int = 0

    @property
    def connect_rate(self) -> int:
        """Whole percent, rounded half up."""
        return (
            (self.connected * 200 + self.calls) // (2 * self.calls) if self.calls else 0
        )

    @property
    def talk_minutes(self) -> int:
        return self.talk_seconds // 60


AGGREGATES = {
    "calls": Count("id"),
    "connected": Count("id", filter=Q(result=CallResult.CONNECTED)),
    "talk_seconds": Sum("duration_seconds"),
    "visits": Count("id", filter=Q(visit_booked=True)),
}


def period(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    last = min(last or today, today)
    first = first or last - dt.timedelta(days=6)
    if first > last:
        first = last
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    return first, last


def _rows(actor, first: dt.date, last: dt.date):
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)
    )
    return CallRecord.objects.visible_to(actor).filter(
        started_at__gte=start, started_at__lt=end
    )


def _line(key: str, label: str, values: dict) -> Line:
    return Line(
        key=key,
        label=label,
        calls=values["calls"] or 0,
        connected=values["connected"] or 0,
        talk_seconds=values["talk_seconds"] or 0,
        visits=values["visits"] or 0,
    )


def by_person(actor, first: dt.date, last: dt.date) -> list[Line]:
    rows = (
        _rows(actor, first, last)
        .values("staff_id", "staff__display_name", "staff__username")
        .annotate(**AGGREGATES)
        .order_by("-calls", "staff_id")
    )
    return [
        _line(str(r["staff_id"]), r["staff__display_name"] or r["staff__username"], r)
        for r in rows
    ]


def by_team(actor, first: dt.date, last: dt.date, no_team: str) -> list[Line]:
    rows = (
        _rows(actor, first, last)
        .values("staff__department_id", "staff__department__name")
        .annotate(**AGGREGATES)
        .order_by("-calls")
    )
    return [
        _line(
            str(r["staff__department_id"] or 0),
            r["staff__department__name"] or no_team,
            r,
        )
        for r in rows
    ]


def by_day(actor, first: dt.date, last: dt.date) -> list[Line]:
    found = {
        r["day"]: r
        for r in _rows(actor, first, last)
        .annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(**AGGREGATES)
        .order_by("day")
    }
    lines = []
    day = first
    while day <= last:
        values = found.get(day) or dict.fromkeys(AGGREGATES, 0)
        lines.append(_line(day.isoformat(), day.strftime("%m-%d"), values))
        day += dt.timedelta(days=1)
    return lines


def total(lines: list[Line]) -> Line:
    whole = Line("total", "")
    for line in lines:
        whole.calls += line.calls
        whole.connected += line.connected
        whole.talk_seconds += line.talk_seconds
        whole.visits += line.visits
    return whole


def chart_data(days: list[Line]) -> dict:
    return {
        "days": [d.label for d in days],
        "calls": [d.calls for d in days],
        "connected": [d.connected for d in days],
        "rate": [d.connect_rate for d in days],
    }
