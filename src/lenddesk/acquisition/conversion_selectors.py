"""Reading an integration's conversion callbacks (发送记录). The rows are the firm's
machine log: whoever manages integrations reads them (no personal field is kept)."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404

from lenddesk.acquisition.conversion_models import (
    CallbackStatus,
    ConversionCallback,
    ConversionEvent,
)
from lenddesk.acquisition.models import Integration

LEAD_REF_MAX = 120


def callback_list(
    integration: Integration, *, status: str = "", event: str = "", lead_ref: str = ""
):
    """Newest first; an unknown status or event filters nothing, the reference
    matches exactly."""
    rows = ConversionCallback.objects.filter(integration=integration)
    if status in CallbackStatus.values:
        rows = rows.filter(status=status)
    if event in ConversionEvent.values:
        rows = rows.filter(event=event)
    lead_ref = (lead_ref or "").strip()[:LEAD_REF_MAX]
    if lead_ref:
        rows = rows.filter(lead_ref=lead_ref)
    return rows.order_by("-id")


def callback_counts(integration: Integration) -> dict[str, int]:
    counts = dict(
        ConversionCallback.objects.filter(integration=integration)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in CallbackStatus.values}


def callback_get(integration: Integration, callback_id: int | None):
    callback = (
        ConversionCallback.objects.filter(integration=integration, pk=callback_id)
        .select_related("integration")
        .first()
        if callback_id
        else None
    )
    if callback is None:
        raise Http404
    return callback
