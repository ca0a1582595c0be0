from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.permissions import (
    DepartmentPermission,
    RolePermission,
    TenantPermission,
    UserPermission,
)
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
        section="settings",
    ),
    MenuItem(
        _("Departments"),
        "accounts:department_list",
        "org",
        codes=(DepartmentPermission.VIEW,),
        order=910,
        section="settings",
    ),
    MenuItem(
        _("Roles"),
        "accounts:role_list",
        "org",
        codes=(RolePermission.VIEW,),
        order=920,
        section="settings",
    ),
    MenuItem(
        _("Security settings"),
        "accounts:security_settings",
        "org",
        codes=(TenantPermission.SETTINGS,),
        order=930,
        section="settings",
    ),
)
