from django.utils.translation import gettext_lazy as _

from lenddesk.partners.permissions import PartnerPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Partners"),
        "partners:list",
        "acquisition",
        codes=(P.VIEW,),
        order=70,
        section="partners",
    ),
    MenuItem(
        _("Partner invitations"),
        "partners:invitations",
        "acquisition",
        codes=(P.INVITE,),
        order=71,
        section="partners",
    ),
    MenuItem(
        _("Partner settings"),
        "partners:settings",
        "acquisition",
        codes=(P.SETTINGS,),
        order=895,
        section="settings",
    ),
)
