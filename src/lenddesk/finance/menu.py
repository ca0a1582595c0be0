from django.utils.translation import gettext_lazy as _

from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.web.menu import MenuItem, register_menu

SECTION = "finance"  # 财务管理: the lead adds it to web.menu.SECTIONS

register_menu(
    MenuItem(
        _("Receivables"),
        "finance:receivables",
        "finance",
        codes=(P.VIEW,),
        order=400,
        section=SECTION,
    ),
    MenuItem(
        _("Profit"),
        "finance:profit",
        "finance",
        codes=(P.VIEW,),
        order=410,
        section=SECTION,
    ),
    MenuItem(
        _("Other expenses"),
        "finance:expenses",
        "finance",
        codes=(P.VIEW,),
        order=420,
        section=SECTION,
    ),
    MenuItem(
        _("Month-end close"),
        "finance:close",
        "finance",
        codes=(P.VIEW,),
        order=430,
        section=SECTION,
    ),
    MenuItem(
        _("Receiving accounts"),
        "finance:accounts",
        "finance",
        codes=(P.SETTINGS,),
        order=440,
        section=SECTION,
    ),
    MenuItem(
        _("Finance settings"),
        "finance:settings",
        "finance",
        codes=(P.SETTINGS,),
        order=450,
        section=SECTION,
    ),
)
