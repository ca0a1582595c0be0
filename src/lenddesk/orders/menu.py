from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Order board"),
        "orders:board",
        "orders",
        codes=(P.VIEW,),
        order=300,
        section="orders",
    ),
    MenuItem(
        pgettext_lazy("menu", "All orders"),
        "orders:list",
        "orders",
        codes=(P.VIEW,),
        order=310,
        section="orders",
    ),
    MenuItem(
        _("Overdue steps"),
        "orders:overdue",
        "orders",
        codes=(P.VIEW,),
        order=320,
        section="orders",
    ),
    MenuItem(
        _("After-loan"),
        "orders:afterloan",
        "orders",
        codes=(P.VIEW,),
        order=330,
        section="orders",
    ),
    MenuItem(
        _("Approval rates"),
        "orders:approval_rates",
        "orders",
        codes=(P.VIEW,),
        order=340,
        section="orders",
    ),
    MenuItem(
        _("Workflows"),
        "orders:workflows",
        "orders",
        codes=(P.WORKFLOW,),
        order=890,
        section="settings",
    ),
)
