from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.permissions import AcquisitionPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Channels"),
        "acquisition:channels",
        "acquisition",
        codes=(P.VIEW, P.MANAGE),
        order=340,
        section="acquisition",
    ),
    MenuItem(
        _("Ad spend"),
        "acquisition:spend",
        "acquisition",
        codes=(P.SPEND,),
        order=350,
        section="acquisition",
    ),
    MenuItem(
        _("Channel report"),
        "acquisition:report",
        "acquisition",
        codes=(P.REPORT,),
        order=360,
        section="reports",
    ),
    MenuItem(
        _("Integrations"),
        "acquisition:integrations",
        "acquisition",
        codes=(P.INTEGRATIONS,),
        order=872,
        section="settings",
    ),
    MenuItem(
        _("Privacy notice"),
        "acquisition:notice",
        "acquisition",
        codes=(P.NOTICE,),
        order=875,
        section="settings",
    ),
)
