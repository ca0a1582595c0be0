"""Reads of the telephony app, each from the rows the actor may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from lenddesk.telephony.models import CallerNumber, CallRecord, DoNotCall

SORTS = {
    "-started_at": ("-started_at", "-id"),
    "started_at": ("started_at", "id"),
    "-duration_seconds": ("-duration_seconds", "-id"),
}


def call_rows(actor) -> QuerySet[CallRecord]:
    return CallRecord.objects.visible_to(actor).select_related(
        "customer", "staff", "caller_number"
    )


def call_get(*, actor, call_id: int) -> CallRecord:
    call = call_rows(actor).filter(pk=call_id).first()
    if call is None:
        raise Http404
    return call


def call_list(
    *,
    actor,
    result: str = "",
    customer_id: int | None = None,
    staff_id: int | None = None,
    day: dt.date | None = None,
    sort: str = "-started_at",
) -> QuerySet[CallRecord]:
    rows = call_rows(actor)
    if result:
        rows = rows.filter(result=result)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    if staff_id:
        rows = rows.filter(staff_id=staff_id)
    if day:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        rows = rows.filter(
            started_at__gte=start, started_at__lt=start + dt.timedelta(days=1)
        )
    return rows.order_by(*SORTS.get(sort, SORTS["-started_at"]))


def customer_calls(*, actor, customer_id: int, limit: int = 20) -> list[CallRecord]:
    return list(call_rows(actor).filter(customer_id=customer_id)[:limit])


def numbers_all() -> QuerySet[CallerNumber]:
    """The firm's lines (configuration: behind ``telephony.settings``)."""
    return CallerNumber.objects.all()


def dnc_rows(actor) -> QuerySet[DoNotCall]:
    return DoNotCall.objects.visible_to(actor).select_related("customer", "added_by")


def is_do_not_call(customer_id: int) -> bool:
    return DoNotCall.objects.filter(customer_id=customer_id).exists()
