from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

SELLING = ["contracts.view", "contracts.generate", "contracts.sign"]


@register_permissions(
    module="contracts",
    grants={
        "general_manager": [*SELLING, "contracts.template"],
        "team_lead": SELLING,
        # A salesperson prepares and collects the contracts of their own orders
        # (the data scope narrows them to those).
        "salesperson": SELLING,
        "finance": ["contracts.view"],
    },
)
class ContractPermission(TextChoices):
    VIEW = "contracts.view", _("View contracts")
    GENERATE = "contracts.generate", _("Generate contracts from orders and send them")
    SIGN = "contracts.sign", _("Record signed contracts and void contracts")
    TEMPLATE = "contracts.template", _("Upload contract templates and set numbering")
