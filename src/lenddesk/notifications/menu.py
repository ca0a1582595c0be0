from django.utils.translation import gettext_lazy as _

from lenddesk.notifications.permissions import ChannelPermission as P
from lenddesk.web.menu import MenuItem, register_menu

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
    MenuItem(
        _("My notification preferences"),
        "notifications:preferences",
        "platform",
        order=910,
        section="settings",
    ),
)
