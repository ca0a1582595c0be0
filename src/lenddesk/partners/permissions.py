from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(
    module="acquisition",
    grants={
        "general_manager": [
            "partner.view",
            "partner.invite",
            "partner.manage",
            "partner.settings",
            "partner.reveal_phone",
        ],
        "team_lead": [
            "partner.view",
            "partner.invite",
            "partner.manage",
            "partner.reveal_phone",
        ],
        "salesperson": ["partner.view", "partner.invite"],
    },
)
class PartnerPermission(TextChoices):
    VIEW = "partner.view", _("View partners")
    INVITE = "partner.invite", _("Invite partners")
    MANAGE = (
        "partner.manage",
        _("Approve, disable and move partners, set their account manager"),
    )
    SETTINGS = "partner.settings", _("Change partner settings")
    REVEAL_PHONE = "partner.reveal_phone", _("Reveal partner phone numbers")
