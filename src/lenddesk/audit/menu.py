from django.utils.translation import gettext_lazy as _

from lenddesk.audit.permissions import AuditPermission
from lenddesk.web.menu import MenuItem, register_menu

register_menu(
    MenuItem(
        _("Audit log"),
        "audit:event_list",
        "org",
        codes=(AuditPermission.VIEW,),
        icon="shield-check",
        order=950,
        section="settings",
    ),
)
