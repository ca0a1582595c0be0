"""What the commission pages share: the month asked for, a write answered by a message
(400 with the refusal when the service refuses)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.commissions.services import month_of
from lenddesk.web.months import shift  # noqa: F401 - used by the month pages


def month_param(request, default_latest=True) -> dt.date | None:
    """``?month=YYYY-MM``; this month when absent or malformed (None if told)."""
    raw = request.GET.get("month", "")
    if raw:
        try:
            return month_of(raw)
        except ValidationError:
            pass
    return timezone.localdate().replace(day=1) if default_latest else None


def attempt(request, action, success: str) -> bool:
    """Run a write; its refusal or ``success`` becomes the page's message."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True
