"""Channel partners (渠道合伙人): an upline tree whose depth each firm caps at 1–3."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantModel


class PartnerStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class Partner(TenantModel):
    """An outside introducer. ``level`` is 1 for a partner without upline; commissions
    are only ever earned on funded loans, never on recruiting."""

    SCOPE_OWNER = "manager"

    name = models.CharField(_("name"), max_length=80)
    upline = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downlines",
        verbose_name=_("upline"),
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=PartnerStatus, default=PartnerStatus.PENDING
    )
    manager = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account manager"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "upline"])]

    def __str__(self) -> str:
        return self.name
