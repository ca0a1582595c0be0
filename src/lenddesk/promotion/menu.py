from django.utils.translation import gettext_lazy as _

from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("My share links"),
        "promotion:links",
        "acquisition",
        codes=(P.SHARE,),
        order=300,
        section="acquisition",
    ),
    MenuItem(
        _("Promotion materials"),
        "promotion:materials",
        "acquisition",
        codes=(P.MATERIALS,),
        order=310,
        section="acquisition",
    ),
    MenuItem(
        _("Application forms"),
        "promotion:forms",
        "acquisition",
        codes=(P.FORMS,),
        order=320,
        section="acquisition",
    ),
    MenuItem(
        _("Promotion statistics"),
        "promotion:stats",
        "acquisition",
        codes=(P.STATS,),
        order=330,
        section="reports",
    ),
)
