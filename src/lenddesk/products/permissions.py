from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

SELLING = ["products.view", "products.match", "products.prescreen"]


@register_permissions(
    module="products",
    grants={
        "general_manager": [
            "products.view",
            "products.manage",
            "products.match",
            "products.prescreen",
            "products.review",
        ],
        "team_lead": SELLING,
        "salesperson": SELLING,
        "telemarketer": ["products.view", "products.match"],
        "processor": ["products.view"],
        "warrant_officer": ["products.view"],
        "finance": ["products.view"],
    },
)
class ProductPermission(TextChoices):
    VIEW = "products.view", _("View funders and loan products")
    MANAGE = (
        "products.manage",
        _("Manage funders, products, eligibility rules and the scorecard"),
    )
    MATCH = "products.match", _("Match customers and products")
    PRESCREEN = "products.prescreen", _("Pre-screen customers")
    REVIEW = "products.review", _("Review pre-screens on request")
