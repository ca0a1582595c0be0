from django.utils.translation import gettext_lazy as _

from lenddesk.contracts.permissions import ContractPermission as P
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Contract list"),
        "contracts:list",
        "contracts",
        codes=(P.VIEW,),
        order=500,
        section="contracts",
    ),
    MenuItem(
        _("Contract templates"),
        "contracts:templates",
        "contracts",
        codes=(P.TEMPLATE,),
        order=510,
        section="contracts",
    ),
)
