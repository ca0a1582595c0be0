from django.utils.translation import gettext_lazy as _

from lenddesk.commissions.permissions import CommissionPermission as P
from lenddesk.web.menu import MenuItem, register_menu

MODULE = "finance"
SECTION = "finance"

register_menu(
    MenuItem(
        _("Staff statements"),
        "commissions:staff_list",
        MODULE,
        codes=(P.VIEW,),
        order=620,
        section=SECTION,
    ),
    MenuItem(
        _("Partner statements"),
        "commissions:partner_list",
        MODULE,
        codes=(P.VIEW,),
        order=630,
        section=SECTION,
    ),
    MenuItem(
        _("Payout batches"),
        "commissions:batches",
        MODULE,
        codes=(P.PAYOUT,),
        order=640,
        section=SECTION,
    ),
    MenuItem(
        _("Tax withholding report"),
        "commissions:withholding",
        MODULE,
        codes=(P.PAYOUT,),
        order=650,
        section=SECTION,
    ),
    MenuItem(
        _("Payout reconciliation"),
        "commissions:reconciliation",
        MODULE,
        codes=(P.PAYOUT,),
        order=660,
        section=SECTION,
    ),
    MenuItem(
        _("Commission plans"),
        "commissions:staff_plan",
        MODULE,
        codes=(P.PLANS,),
        order=670,
        section=SECTION,
    ),
    MenuItem(
        _("Partner commission plans"),
        "commissions:partner_plans",
        MODULE,
        codes=(P.PLANS,),
        order=680,
        section=SECTION,
    ),
)
