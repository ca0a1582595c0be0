from django.utils.translation import gettext_lazy as _

from lenddesk.warrants.permissions import WarrantPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("My week"),
        "warrants:week",
        "orders",
        codes=(P.VIEW,),
        order=400,
        section="warrants",
    ),
    MenuItem(
        _("Warrant tasks"),
        "warrants:tasks",
        "orders",
        codes=(P.VIEW,),
        order=410,
        section="warrants",
    ),
    MenuItem(
        _("Custody of originals"),
        "warrants:custody",
        "orders",
        codes=(P.CUSTODY_VIEW,),
        order=420,
        section="warrants",
    ),
)
