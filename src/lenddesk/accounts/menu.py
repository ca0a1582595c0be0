from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.permissions import UserPermission
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(_("Home"), "web:home", "platform", icon="home", order=0),
    MenuItem(
        _("Staff"),
        "accounts:user_list",
        "org",
        codes=(UserPermission.VIEW,),
        icon="users",
        order=900,
    ),
)
