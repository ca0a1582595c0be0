"""Reading the current tenant's audit log.

Everything starts from ``AuditEvent.objects``, the tenant-scoped manager; on PostgreSQL
row-level security filters the same rows again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditEvent
from lenddesk.tenancy.context import require_current_tenant

PAGE_SIZE = 50


def event_list(*, actor: User, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The tenant's events matching ``filters`` (``AuditFilterForm.filters``), newest
    first. Every filter is optional; dates are whole days in the firm's time zone."""
    events = AuditEvent.objects.order_by("-seq")
    if filters.get("actor") is not None:
        user = filters["actor"]
        events = events.filter(actor_id=getattr(user, "pk", user))
    for name in ("action", "object_type", "object_id", "result"):
        if filters.get(name):
            events = events.filter(**{name: filters[name]})
    zone = ZoneInfo(require_current_tenant().time_zone)
    if filters.get("date_from"):
        start = dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=zone)
        events = events.filter(created_at__gte=start)
    if filters.get("date_to"):
        end_day = filters["date_to"] + dt.timedelta(days=1)
        end = dt.datetime.combine(end_day, dt.time.min, tzinfo=zone)
        events = events.filter(created_at__lt=end)
    if filters.get("q"):
        text = filters["q"]
        events = events.filter(
            Q(object_repr__icontains=text) | Q(reason__icontains=text)
        )
    return events


def event_get(*, actor: User, seq: int) -> AuditEvent:
    """One event of the current tenant; any other tenant's sequence number is a 404."""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise Http404
    return event


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    newer_cursor: int | None
    older_cursor: int | None

    @property
    def has_other_pages(self) -> bool:
        return self.newer_cursor is not None or self.older_cursor is not None


def event_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> EventPage:
    """A keyset page over ``events`` by sequence number: no COUNT at all, and a deep
    page costs what the first one does (no OFFSET; the ``(tenant, seq)`` index).

    ``before`` gives the page of older rows, ``after`` the page of newer ones.
    """
    if after is not None:
        rows = list(events.filter(seq__gt=after).order_by("seq")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = bool(rows) and events.filter(seq__lt=rows[-1].seq).exists()
    else:
        older = events if before is None else events.filter(seq__lt=before)
        rows = list(older.order_by("-seq")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = (
            before is not None
            and bool(rows)
            and events.filter(seq__gt=rows[0].seq).exists()
        )
    return EventPage(
        events=rows,
        newer_cursor=rows[0].seq if rows and more_newer else None,
        older_cursor=rows[-1].seq if rows and more_older else None,
    )
