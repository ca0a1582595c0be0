"""Channel partners (渠道合伙人): an upline tree whose depth each firm caps at 1–3.

Partners are outside introducers with their own portal log-in (never a staff user).
Commissions are only ever earned on funded loans, never on recruiting, and joining is
free (禁止传销条例 art. 2).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel

MIN_DEPTH = 1
MAX_DEPTH = 3
DEFAULT_DEPTH = 2


class PartnerStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class PartnerSettings(TenantModel):
    """A firm's partner programme settings, one row per firm. Its row is also the lock
    that serialises changes to the firm's partner tree."""

    max_depth = models.PositiveSmallIntegerField(
        _("partner levels"),
        default=DEFAULT_DEPTH,
        validators=[MinValueValidator(MIN_DEPTH), MaxValueValidator(MAX_DEPTH)],
        help_text=_(
            "How deep the partner tree may grow: 1 = only partners invited by staff, "
            "3 = partners, their sub-partners and theirs."
        ),
    )
    auto_approve = models.BooleanField(
        _("approve new partners automatically"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="partnersettings_uniq"),
            models.CheckConstraint(
                condition=Q(max_depth__gte=MIN_DEPTH, max_depth__lte=MAX_DEPTH),
                name="partnersettings_depth_range",
            ),
        ]

    def __str__(self) -> str:
        return "partner settings %s" % self.tenant_id


class Partner(EncryptedFieldsMixin, TenantModel):
    """An outside introducer. ``level`` is 1 for a partner without upline; commissions
    are only ever earned on funded loans, never on recruiting."""

    ENCRYPTED_FIELDS = {"phone": "mobile"}
    REVEAL_CODES = {"phone": "partner.reveal_phone"}
    SCOPE_OWNER = "manager"
    objects = ScopedManager()

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
    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    phone_cipher = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_index = models.CharField(max_length=64, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=40, blank=True)
    password = models.CharField(max_length=256, blank=True, editable=False)
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    invitation = models.ForeignKey(
        "PartnerInvitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("joined through"),
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "upline"]),
            models.Index(fields=["tenant", "status", "-id"], name="partner_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "phone_index"],
                condition=~Q(phone_index=""),
                name="partner_phone_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == PartnerStatus.ACTIVE


class PartnerInvitation(TenantModel):
    """An invitation link (and its QR code). Staff invite top-level partners; a partner's
    own link invites sub-partners under them. Joining through it is free."""

    code = models.CharField(max_length=40, editable=False)
    upline = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("upline"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account manager"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=120, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"], name="partnerinvitation_code_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.note or self.code[:8]

    @property
    def level(self) -> int:
        """The level a partner joining through this link gets."""
        return self.upline.level + 1 if self.upline_id else 1


class PartnerReferral(TenantModel):
    """A customer a partner referred through the portal. ``credited`` is False when the
    firm already knew the person (a duplicate): the partner is not credited then."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    credited = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "partner", "-id"], name="referral_partner")
        ]

    def __str__(self) -> str:
        return "%s→%s" % (self.partner_id, self.customer_id)
