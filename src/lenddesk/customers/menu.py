from django.utils.translation import gettext_lazy as _

from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(_("To-do"), "customers:todo", "customers", codes=(P.VIEW,), order=10),
    MenuItem(
        _("My customers"), "customers:list", "customers", codes=(P.VIEW,), order=20
    ),
    MenuItem(
        _("Public pool"),
        "customers:pool",
        "customers",
        codes=(P.CLAIM, P.ASSIGN),
        order=30,
    ),
    MenuItem(
        _("Sales funnel"), "customers:funnel", "customers", codes=(P.VIEW,), order=40
    ),
    MenuItem(
        _("Import"), "customers:imports", "customers", codes=(P.IMPORT,), order=50
    ),
    MenuItem(
        _("My exports"), "customers:exports", "customers", codes=(P.EXPORT,), order=55
    ),
    MenuItem(
        _("Export approvals"),
        "customers:export_approvals",
        "customers",
        codes=(P.EXPORT_APPROVE,),
        order=57,
    ),
    MenuItem(
        _("Allocation"),
        "customers:allocation",
        "customers",
        codes=(P.ASSIGN,),
        order=60,
    ),
    MenuItem(
        _("Pool rules"),
        "customers:rules",
        "customers",
        codes=(P.POOL_RULES,),
        order=890,
    ),
)
