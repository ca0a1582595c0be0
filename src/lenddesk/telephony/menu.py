from django.utils.translation import gettext_lazy as _

from lenddesk.telephony.permissions import TelephonyPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Call records"),
        "telephony:calls",
        "telephony",
        codes=(P.RECORDS,),
        order=200,
        section="telephony",
    ),
    MenuItem(
        _("Call statistics"),
        "telephony:stats",
        "telephony",
        codes=(P.STATS,),
        order=210,
        section="telephony",
    ),
    MenuItem(
        _("Do-not-call list"),
        "telephony:dnc",
        "telephony",
        codes=(P.SETTINGS,),
        order=220,
        section="telephony",
    ),
    MenuItem(
        _("Caller number pool"),
        "telephony:numbers",
        "telephony",
        codes=(P.SETTINGS,),
        order=230,
        section="telephony",
    ),
    MenuItem(
        _("Calling settings"),
        "telephony:settings",
        "telephony",
        codes=(P.SETTINGS,),
        order=880,
        section="settings",
    ),
)
