from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

EVERYONE = ["analytics.view"]
MANAGERS = ["analytics.view", "analytics.channels", "analytics.export"]


@register_permissions(
    module="analytics",
    grants={
        "general_manager": MANAGERS,
        "finance": MANAGERS,
        "team_lead": ["analytics.view", "analytics.export"],
        "salesperson": EVERYONE,
        "telemarketer": EVERYONE,
        "processor": EVERYONE,
        "warrant_officer": EVERYONE,
    },
)
class AnalyticsPermission(TextChoices):
    VIEW = "analytics.view", _("See dashboards (within the data scope)")
    CHANNELS = (
        "analytics.channels",
        _("See channel spend, return on investment and profit"),
    )
    EXPORT = "analytics.export", _("Export dashboard tables")
