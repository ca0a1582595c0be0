from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(
    module="notifications",
    grants={"general_manager": ["notifications.channels", "notifications.outbox"]},
)
class ChannelPermission(TextChoices):
    CHANNELS = (
        "notifications.channels",
        _("Set up message channels, provider keys and SMS templates"),
    )
    OUTBOX = "notifications.outbox", _("See the message send log and resend failures")
