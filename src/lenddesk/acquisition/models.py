"""Where leads come from: channels, ad accounts, attribution and consent (SPEC M4)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
