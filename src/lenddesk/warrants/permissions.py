from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(
    module="orders",
    grants={
        "general_manager": ["warrants.view", "warrants.manage", "custody.view"],
        "team_lead": ["warrants.view", "custody.view"],
        # A salesperson follows the registration and the originals of their own
        # customers' orders (the data scope narrows what they see).
        "salesperson": ["warrants.view", "custody.view"],
        "processor": ["warrants.view", "custody.view"],
        "warrant_officer": [
            "warrants.view",
            "warrants.manage",
            "custody.view",
            "custody.manage",
        ],
    },
)
class WarrantPermission(TextChoices):
    VIEW = "warrants.view", _("View warrant tasks")
    MANAGE = "warrants.manage", _("Arrange and complete warrant tasks")
    CUSTODY_VIEW = "custody.view", _("View the custody register of originals")
    CUSTODY_MANAGE = (
        "custody.manage",
        _("Receive, check out, check in and return originals"),
    )
