from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

SELLERS = ["general_manager", "team_lead", "salesperson", "telemarketer"]


@register_permissions(
    module="acquisition",
    grants={
        "general_manager": [
            "promotion.share",
            "promotion.materials",
            "promotion.forms",
            "promotion.stats",
        ],
        "team_lead": [
            "promotion.share",
            "promotion.materials",
            "promotion.stats",
        ],
        "salesperson": ["promotion.share", "promotion.stats"],
        "telemarketer": ["promotion.share", "promotion.stats"],
    },
)
class PromotionPermission(TextChoices):
    SHARE = "promotion.share", _("Share promotion materials and forms")
    MATERIALS = "promotion.materials", _("Create and edit promotion materials")
    FORMS = "promotion.forms", _("Create and edit application forms")
    STATS = "promotion.stats", _("See promotion statistics (within data scope)")
