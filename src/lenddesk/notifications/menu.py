from django.utils.translation import gettext_lazy as _

from lenddesk.notifications.permissions import ChannelPermission as P
from lenddesk.web.menu import MenuItem, register_menu

# Everyone's own preferences are in the user menu at the top (base.html), not here.
register_menu(
    MenuItem(
        _("Message settings"),
        "notifications:channels",
        "notifications",
        codes=(P.CHANNELS,),
        order=900,
        section="settings",
    ),
    MenuItem(
        _("Send log"),
        "notifications:outbox",
        "notifications",
        codes=(P.OUTBOX,),
        order=905,
        section="settings",
    ),
)
