from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

CALLER = ["telephony.call", "telephony.records"]


@register_permissions(
    module="telephony",
    grants={
        "general_manager": [
            *CALLER,
            "telephony.recordings",
            "telephony.stats",
            "telephony.settings",
        ],
        "team_lead": [*CALLER, "telephony.recordings", "telephony.stats"],
        "salesperson": CALLER,
    },
)
class TelephonyPermission(TextChoices):
    CALL = "telephony.call", _("Call customers (click-to-call)")
    RECORDS = "telephony.records", _("See call records")
    RECORDINGS = "telephony.recordings", _("Play and download call recordings")
    STATS = "telephony.stats", _("See and export call statistics")
    SETTINGS = (
        "telephony.settings",
        _("Set up the calling provider, number pool and do-not-call list"),
    )
