"""Where leads come from: channels, ad accounts, attribution and consent (SPEC M4)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel


class ChannelKind(models.TextChoices):
    TRAFFIC = "traffic", _("Traffic platform")
    PROMOTION = "promotion", _("Promotion material")
    FORM = "form", _("Application form")
    PARTNER = "partner", _("Partner referral")
    REFERRAL = "referral", _("Customer referral")
    OFFLINE = "offline", _("Offline / walk-in")
    OTHER = "other", _("Other")


class Channel(TenantModel):
    """A source of leads (渠道). ``Customer.channel`` keeps its name for quick filters."""

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(
        _("kind"), max_length=12, choices=ChannelKind, default=ChannelKind.OTHER
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="acquisition_channel_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AdAccount(TenantModel):
    """An advertising account (投放賬戶) on a channel; spend is entered per period."""

    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="ad_accounts",
        verbose_name=_("channel"),
    )
    name = models.CharField(_("name"), max_length=80)
    external_id = models.CharField(
        _("account id on the platform"), max_length=80, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "name"],
                name="acquisition_adaccount_name_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PrivacyNotice(TenantModel):
    """A published version of the firm's privacy notice; consent points at one."""

    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version"], name="acquisition_notice_version_unique"
            )
        ]

    def __str__(self) -> str:
        return self.version


class ConsentSource(models.TextChoices):
    FORM = "form", _("Application form")
    INTAKE = "intake", _("Traffic platform")
    PARTNER = "partner", _("Partner referral")
    STAFF = "staff", _("Recorded by staff")


class ConsentRecord(TenantModel):
    """Evidence that a person agreed to a notice version (PIPL Art. 14/29)."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents",
    )
    notice = models.ForeignKey(
        PrivacyNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_version = models.CharField(_("notice version"), max_length=40)
    source = models.CharField(_("source"), max_length=10, choices=ConsentSource)
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True)
    purposes = models.JSONField(_("purposes"), default=list, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    given_at = models.DateTimeField(_("given at"))

    class Meta:
        indexes = [models.Index(fields=["tenant", "customer"])]


class Attribution(TenantModel):
    """Who gets credit for a customer: channel, ad account/campaign, sharer and partner,
    plus the concrete source (integration, form, material visit …) as a reference."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="attribution"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ad_account = models.ForeignKey(
        AdAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.CharField(_("campaign"), max_length=80, blank=True)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_kind = models.CharField(_("source"), max_length=12, choices=ChannelKind)
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "channel", "created_at"]),
            models.Index(fields=["tenant", "sharer", "created_at"]),
            models.Index(fields=["tenant", "partner"]),
        ]


class AdSpend(TenantModel):
    """Money spent on an ad account (optionally one campaign) over a period."""

    ad_account = models.ForeignKey(
        AdAccount,
        on_delete=models.PROTECT,
        related_name="spends",
        verbose_name=_("ad account"),
    )
    campaign = models.CharField(_("campaign"), max_length=80, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "ad_account", "campaign", "period_start"],
                name="acquisition_spend_period_unique",
            )
        ]
        indexes = [models.Index(fields=["tenant", "period_start"])]

    def __str__(self) -> str:
        return "%s %s" % (self.ad_account, self.period_start)


class AssignMode(models.TextChoices):
    POOL = "pool", _("Leave new leads in the public pool")
    RULES = "rules", _("The firm's allocation rules (by channel and city)")
    RULE = "rule", _("One allocation rule")


class Integration(EncryptedFieldsMixin, TenantModel):
    """A traffic platform (流量平臺) that posts leads to ``/api/v1/intake/<key>/``,
    signing each delivery with its secret (kept encrypted: HMAC needs it back)."""

    ENCRYPTED_FIELDS = {"secret": "text"}

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=60)
    key = models.CharField(_("integration key"), max_length=80, editable=False)
    secret_cipher = models.BinaryField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    field_mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="integrations",
        verbose_name=_("default channel"),
    )
    ad_account = models.ForeignKey(
        AdAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ad account"),
    )
    campaign = models.CharField(_("default campaign"), max_length=80, blank=True)
    assign_mode = models.CharField(
        _("assignment"), max_length=8, choices=AssignMode, default=AssignMode.RULES
    )
    allocation_rule = models.ForeignKey(
        "customers.AllocationRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("allocation rule"),
    )
    duplicate_policy = models.CharField(
        _("duplicates"),
        max_length=10,
        blank=True,
        help_text=_("Empty: the firm's duplicate policy."),
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit (deliveries per minute)"), default=600
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="acquisition_integration_key_unique"
            ),
            models.UniqueConstraint(
                fields=["tenant", "name"], name="acquisition_integration_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    QUEUED = "queued", _("Queued")
    CREATED = "created", _("Lead created")
    DUPLICATE = "duplicate", _("Matched an existing customer")
    QUARANTINED = "quarantined", _("Quarantined: no consent evidence")
    REJECTED = "rejected", _("Rejected: invalid fields")


class Delivery(EncryptedFieldsMixin, TenantModel):
    """One signed POST from an integration. ``(integration, idempotency_key)`` is
    unique, so a retry — even a concurrent one — finds this row instead of creating
    a second customer. The raw body is kept encrypted for replay. A valid lead is
    stored ``queued`` and turned into a customer by the worker a moment later."""

    ENCRYPTED_FIELDS = {"payload": "text"}

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="deliveries"
    )
    idempotency_key = models.CharField(max_length=120)
    body_sha256 = models.CharField(max_length=64)
    payload_cipher = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DeliveryStatus,
        default=DeliveryStatus.PROCESSING,
    )
    http_status = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(default=dict, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "integration", "idempotency_key"],
                name="acquisition_delivery_idempotency_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "integration", "-id"]),
            models.Index(fields=["tenant", "integration", "status", "received_at"]),
            # The worker's queue: small, because rows leave it within seconds.
            models.Index(
                fields=["tenant", "id"],
                condition=models.Q(status="queued"),
                name="acquisition_delivery_queued",
            ),
        ]

    def __str__(self) -> str:
        return "%s #%s" % (self.integration_id, self.idempotency_key)

    @property
    def reference(self) -> str:
        return str(self.row_key)


# Conversion feedback to the platforms (回传): its own module, registered here.
from lenddesk.acquisition.conversion_models import (  # noqa: E402, F401
    CallbackStatus,
    ConversionCallback,
    ConversionConfig,
    ConversionEvent,
)
