"""The customer (借款客户) with its funnel stage and tags."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models.pools import PublicPool
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.security.masking import mask_name
from lenddesk.tenancy.models import TenantModel


class Gender(models.TextChoices):
    """As derived from the national ID number (its 17th digit)."""

    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Individual")
    BUSINESS = "business", _("Small business")


class Rating(models.TextChoices):
    A = "A", _("A – ready to sign")
    B = "B", _("B – strong intent")
    C = "C", _("C – some intent")
    D = "D", _("D – no intent yet")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SOON = "soon", _("Within a month")
    URGENT = "urgent", _("Within a week")


class FunnelStage(TenantModel):
    key = models.SlugField(max_length=30)
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(default=0)
    is_won = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="stage_tenant_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TenantModel):
    name = models.CharField(_("name"), max_length=30)
    color = models.CharField(max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="tag_tenant_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(EncryptedFieldsMixin, TenantModel):
    """A borrower. Owned (私海) when ``owner`` is set, else in a public pool (公海)."""

    ENCRYPTED_FIELDS = {"phone": "mobile", "id_number": "national_id"}
    REVEAL_CODES = {"phone": "customer.reveal_phone", "id_number": "customer.reveal_id"}
    SCOPE_OWNER = "owner"
    objects = ScopedManager()

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind, default=CustomerKind.PERSON
    )
    name = models.CharField(_("name"), max_length=80)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=40, blank=True, editable=False)
    company_name = models.CharField(_("company"), max_length=120, blank=True)
    phone_cipher = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_index = models.CharField(max_length=64, blank=True, editable=False)
    id_number_cipher = models.BinaryField(null=True, blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, editable=False
    )
    gender = models.CharField(_("gender"), max_length=1, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=40, blank=True)
    # Demand
    demand_amount = models.DecimalField(
        _("amount wanted (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    demand_term_months = models.PositiveSmallIntegerField(
        _("term (months)"), null=True, blank=True
    )
    demand_purpose = models.CharField(_("purpose"), max_length=120, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency, default=Urgency.NORMAL
    )
    # Assets and income
    has_house = models.BooleanField(_("owns a house"), default=False)
    has_car = models.BooleanField(_("owns a car"), default=False)
    has_life_policy = models.BooleanField(_("life insurance policy"), default=False)
    provident_fund_months = models.PositiveSmallIntegerField(
        _("provident fund (months)"), default=0
    )
    social_security_months = models.PositiveSmallIntegerField(
        _("social security (months)"), default=0
    )
    has_business_licence = models.BooleanField(_("business licence"), default=False)
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    credit_notes = models.TextField(_("credit notes (self-reported)"), blank=True)
    # Source
    channel = models.CharField(_("channel"), max_length=60, blank=True)
    campaign = models.CharField(_("campaign"), max_length=80, blank=True)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    # Sales state
    rating = models.CharField(
        _("intent rating"), max_length=1, choices=Rating, blank=True
    )
    stage = models.ForeignKey(
        FunnelStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stage"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    pool = models.ForeignKey(
        PublicPool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("public pool"),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    protected_until = models.DateTimeField(null=True, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cooldown_until = models.DateTimeField(null=True, blank=True)
    is_locked = models.BooleanField(
        _("key customer (never returns to the pool)"), default=False
    )
    has_open_business = models.BooleanField(default=False, editable=False)
    last_followup_at = models.DateTimeField(null=True, blank=True)
    next_followup_at = models.DateTimeField(null=True, blank=True)
    return_warned_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "owner", "-id"], name="cust_tenant_owner_id"
            ),
            models.Index(fields=["tenant", "-id"], name="cust_tenant_id"),
            # a day's new customers (the dashboards' rollup and the lists behind them)
            models.Index(fields=["tenant", "created_at"], name="cust_tenant_created"),
            # Newest owned customers first (every list but the pool's): the primary
            # key walk skipped every pool customer above them — 100,000 after a big
            # pool import, 21 ms for a manager's first page instead of 0.1 ms.
            models.Index(
                fields=["tenant", "-id"],
                name="cust_tenant_owned_id",
                condition=models.Q(owner__isnull=False),
            ),
            models.Index(fields=["tenant", "phone_index"], name="cust_tenant_phone"),
            models.Index(
                fields=["tenant", "phone_last4_index"], name="cust_tenant_last4"
            ),
            models.Index(fields=["tenant", "id_number_index"], name="cust_tenant_idno"),
            # Prefix search (``zs%``, ``zhang%``): pattern opclasses let PostgreSQL use the
            # index for LIKE under any collation (ignored on SQLite).
            models.Index(
                fields=["tenant", "name_initials"],
                name="cust_tenant_initials",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["tenant", "name_pinyin"],
                name="cust_tenant_pinyin",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["tenant", "pool", "-id"], name="cust_tenant_pool"),
            models.Index(
                fields=["tenant", "next_followup_at"], name="cust_tenant_nextfu"
            ),
            # The list sorted by amount or by last follow-up: a keyset on (value, id)
            # over the owned customers, so a manager's first page reads 26 entries
            # instead of sorting every customer in the firm.
            models.Index(
                fields=["tenant", "demand_amount", "id"],
                name="cust_owned_amount",
                condition=models.Q(owner__isnull=False),
            ),
            models.Index(
                fields=["tenant", "last_followup_at", "id"],
                name="cust_owned_lastfu",
                condition=models.Q(owner__isnull=False),
            ),
            # A city filter walks that city's owned customers newest first instead
            # of every customer of the firm (team lead, one city: 200 ms → ~10 ms).
            models.Index(
                fields=["tenant", "city", "-id"],
                name="cust_owned_city",
                condition=models.Q(owner__isnull=False),
            ),
            # The dashboards' to-dos (due and overdue per owner, from the index alone)
            # and the pool's health (size and age per pool).
            models.Index(
                fields=["tenant", "next_followup_at", "owner"],
                name="cust_owned_due",
                condition=models.Q(owner__isnull=False),
            ),
            models.Index(
                fields=["tenant", "pool", "cooldown_until", "created_at"],
                name="cust_pool_age",
                condition=models.Q(owner__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name as anyone in reach may see it: in full once someone owns the
        customer, masked (张*丰) while it waits in a public pool."""
        return self.name if self.owner_id is not None else mask_name(self.name)

    @property
    def gender_label(self) -> str:
        return str(Gender(self.gender).label) if self.gender in Gender.values else ""
