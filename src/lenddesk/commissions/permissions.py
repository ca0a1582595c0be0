from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

EVERY_EARNER = ["commissions.view"]


@register_permissions(
    module="finance",
    grants={
        "general_manager": [
            "commissions.view",
            "commissions.plans",
            "commissions.approve",
            "commissions.export",
        ],
        "finance": [
            "commissions.view",
            "commissions.plans",
            "commissions.approve",
            "commissions.payout",
            "commissions.export",
        ],
        "team_lead": EVERY_EARNER,
        "salesperson": EVERY_EARNER,
        "telemarketer": EVERY_EARNER,
        "processor": EVERY_EARNER,
    },
)
class CommissionPermission(TextChoices):
    VIEW = "commissions.view", _("See commission statements (within the data scope)")
    PLANS = "commissions.plans", _("Set commission plans and paying entities")
    APPROVE = "commissions.approve", _("Approve commission statements")
    PAYOUT = (
        "commissions.payout",
        _("Pay partners: payout batches, bank files, payment details, tax report"),
    )
    EXPORT = "commissions.export", _("Export commission statements")
