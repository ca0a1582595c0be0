"""A firm's history in the operator console, in words: the events keep stable codes
(``plan_changed``, ``seats``), operators read what happened and which fields moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import PlatformOperator, TenantEvent

ACTIONS = {
    "provisioned": _("Firm provisioned"),
    "plan_changed": _("Plan changed"),
    "status_active": _("Firm reactivated"),
    "status_suspended": _("Firm suspended"),
}

FIELDS = {
    "name": _("Firm name"),
    "modules": _("Modules"),
    "seats": _("Seats"),
    "expires_on": _("Expires on"),
    "status": _("Status"),
}


@dataclass(frozen=True)
class HistoryLine:
    created_at: dt.datetime
    operator: PlatformOperator | None
    action: str
    fields: list[str]


def history_lines(events: Iterable[TenantEvent]) -> list[HistoryLine]:
    return [
        HistoryLine(
            created_at=event.created_at,
            operator=event.operator,
            action=str(ACTIONS.get(event.action, event.action)),
            fields=[str(FIELDS.get(key, key)) for key in event.changes],
        )
        for event in events
    ]
