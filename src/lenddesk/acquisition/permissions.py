from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(
    module="acquisition",
    grants={
        "general_manager": [
            "acquisition.view",
            "acquisition.manage",
            "acquisition.spend",
            "acquisition.report",
            "acquisition.consent",
        ],
        "team_lead": ["acquisition.view", "acquisition.report"],
        "finance": ["acquisition.view", "acquisition.spend", "acquisition.report"],
    },
)
class AcquisitionPermission(TextChoices):
    VIEW = "acquisition.view", _("View channels and ad accounts")
    MANAGE = "acquisition.manage", _("Manage channels and ad accounts")
    SPEND = "acquisition.spend", _("Enter ad spend")
    REPORT = "acquisition.report", _("View the channel report")
    INTEGRATIONS = (
        "acquisition.integrations",
        _("Manage traffic-platform integrations and replay deliveries"),
    )
    NOTICE = "acquisition.notice", _("Publish the privacy notice")
    CONSENT = "acquisition.consent", _("View consent records")
