from django.utils.translation import gettext_lazy as _

from lenddesk.customers.permissions import CreditPermission
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("To-do"),
        "customers:todo",
        "customers",
        codes=(P.VIEW,),
        order=10,
        section="customers",
    ),
    MenuItem(
        _("My customers"),
        "customers:list",
        "customers",
        codes=(P.VIEW,),
        order=20,
        section="customers",
    ),
    MenuItem(
        _("Public pool"),
        "customers:pool",
        "customers",
        codes=(P.CLAIM, P.ASSIGN),
        order=30,
        section="customers",
    ),
    MenuItem(
        _("Sales funnel"),
        "customers:funnel",
        "customers",
        codes=(P.VIEW,),
        order=40,
        section="reports",
    ),
    MenuItem(
        _("Import"),
        "customers:imports",
        "customers",
        codes=(P.IMPORT,),
        order=50,
        section="customers",
    ),
    MenuItem(
        _("My exports"),
        "customers:exports",
        "customers",
        codes=(P.EXPORT,),
        order=55,
        section="customers",
    ),
    MenuItem(
        _("Export approvals"),
        "customers:export_approvals",
        "customers",
        codes=(P.EXPORT_APPROVE,),
        order=57,
        section="customers",
    ),
    MenuItem(
        _("Allocation"),
        "customers:allocation",
        "customers",
        codes=(P.ASSIGN,),
        order=60,
        section="customers",
    ),
    MenuItem(
        _("Credit-query log"),
        "customers:credit_log",
        "customers",
        codes=(CreditPermission.LOG,),
        order=70,
        section="customers",
    ),
    MenuItem(
        _("Pool rules"),
        "customers:rules",
        "customers",
        codes=(P.POOL_RULES,),
        order=890,
        section="settings",
    ),
)
