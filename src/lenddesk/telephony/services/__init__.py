"""Writes of the telephony app: configuration, the number pool, calls and the
provider's events. Other apps import from here."""

from lenddesk.telephony.services.calls import call_note, call_start
from lenddesk.telephony.services.config import (
    dnc_add,
    dnc_remove,
    number_add,
    number_set_status,
    settings_update,
    telephony_settings,
)
from lenddesk.telephony.services.events import events_apply

__all__ = [
    "call_note",
    "call_start",
    "dnc_add",
    "dnc_remove",
    "events_apply",
    "number_add",
    "number_set_status",
    "settings_update",
    "telephony_settings",
]
