"""Staff commission (提成) and partner commission (分销分佣).

Plans are firm-wide configuration. Lines are written when finance records a receipt
or a refund (``finance.signals.receipt_recorded``), each pointing at that receipt, in
the receipt's ``period``. Lines of one person and month make a statement: draft until
approved, locked when finance closes the month; a locked statement never changes
(later adjustments go into the next month's). Partner statements carry the income
tax withheld for the paying entity; approved ones are paid out in batches.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}
PERCENT = {"max_digits": 7, "decimal_places": 4}


class WithholdingMethod(models.TextChoices):
    PER_PAYMENT = "per_payment", _("Per payment (labour remuneration)")
    CUMULATIVE = "cumulative", _("Cumulative (internet platform, 2025)")


class TierMode(models.TextChoices):
    MARGINAL = "marginal", _("Marginal: each slice at its own rate")
    WHOLE = "whole", _("Whole amount at the rate reached")


class SplitRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    TELEMARKETER = "telemarketer", _("Telemarketer")
    PROCESSOR = "processor", _("Processor")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class PayoutStatus(models.TextChoices):
    CREATED = "created", _("Awaiting payment")
    PAID = "paid", _("Paid")


# --- configuration (firm-wide) -----------------------------------------------------


class PayingEntity(TenantModel):
    """Who pays partners and withholds their tax: the firm itself, or a platform
    company of the firm, each with its withholding method."""

    name = models.CharField(_("name"), max_length=80)
    method = models.CharField(
        _("withholding method"),
        max_length=12,
        choices=WithholdingMethod,
        default=WithholdingMethod.PER_PAYMENT,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="commission_entity_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffPlan(TenantModel):
    """The firm's staff commission plan: how an order's collected fee is split
    between its owner, telemarketer and processor (adding up to 100 %), and per role
    the monthly tier table the person's base is paid on. One plan is in force."""

    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("in force"), default=True)
    tier_mode = models.CharField(
        _("tiers"), max_length=10, choices=TierMode, default=TierMode.MARGINAL
    )
    share_owner = models.DecimalField(_("owner's share (%)"), **PERCENT)
    share_telemarketer = models.DecimalField(_("telemarketer's share (%)"), **PERCENT)
    share_processor = models.DecimalField(_("processor's share (%)"), **PERCENT)
    # {"owner": [{"up_to": "50000.00", "rate": "10"}, {"up_to": null, "rate": "15"}], …}
    tiers = models.JSONField(_("rates by role"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_active", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_active=True),
                name="commission_one_staff_plan",
            ),
            models.CheckConstraint(
                condition=Q(
                    share_owner__gte=0,
                    share_telemarketer__gte=0,
                    share_processor__gte=0,
                ),
                name="commission_staff_shares_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def share_of(self, role: str) -> Decimal:
        return getattr(self, "share_%s" % role)


class PartnerPlan(TenantModel):
    """Level shares of each receipt of a funded order (percent of the collected fee)
    and the entity that pays them. Nothing is ever paid for recruiting."""

    name = models.CharField(_("name"), max_length=80)
    paying_entity = models.ForeignKey(
        PayingEntity,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("paying entity"),
    )
    rate_level1 = models.DecimalField(_("level 1 (%)"), **PERCENT)
    rate_level2 = models.DecimalField(_("level 2 (%)"), default=0, **PERCENT)
    rate_level3 = models.DecimalField(_("level 3 (%)"), default=0, **PERCENT)
    is_default = models.BooleanField(_("default plan"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True),
                name="commission_one_default_partner_plan",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def rate_for(self, level: int) -> Decimal:
        return getattr(self, "rate_level%d" % level)


class PartnerPayee(EncryptedFieldsMixin, TenantModel):
    """How a partner is paid and reported to the tax office: the name and ID number
    on the identity card, the bank account, and the partner's plan."""

    ENCRYPTED_FIELDS = {"id_number": "national_id", "bank_account": "text"}
    REVEAL_CODES = {
        "id_number": "commissions.payout",
        "bank_account": "commissions.payout",
    }
    SCOPE_OWNER = "partner__manager"
    objects = ScopedManager()

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.CASCADE, related_name="payee"
    )
    plan = models.ForeignKey(
        PartnerPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan"),
    )
    legal_name = models.CharField(_("name on the ID card"), max_length=40, blank=True)
    id_number_cipher = models.BinaryField(null=True, blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    bank_name = models.CharField(_("bank"), max_length=80, blank=True)
    bank_account_cipher = models.BinaryField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def masked_id(self) -> str:
        return self.masked("id_number") if self.id_number_cipher else ""

    @property
    def is_complete(self) -> bool:
        return bool(
            self.legal_name
            and self.id_number_cipher
            and self.bank_name
            and self.bank_account_cipher
        )


# --- statements and their lines ----------------------------------------------------


class StatementBase(TenantModel):
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StatementStatus,
        default=StatementStatus.DRAFT,
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class StaffStatement(StatementBase):
    """One staff member's commission of one month."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    base_total = models.DecimalField(_("fee base"), **MONEY)
    amount_total = models.DecimalField(_("commission"), **MONEY)

    class Meta:
        ordering = ["-month", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "month"], name="commission_staff_stmt_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "month", "status"], name="comm_staff_month")
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.user_id, self.month.strftime("%Y-%m"))


class StaffLine(TenantModel):
    """The part of one receipt (or refund: a negative clawback) that counts for one
    person in one role. ``base`` is the fee × the role's share; ``amount`` the
    commission the tier table gives it (repriced until the statement is locked)."""

    SCOPE_OWNER = "statement__user"
    objects = ScopedManager()

    statement = models.ForeignKey(
        StaffStatement, on_delete=models.CASCADE, related_name="lines"
    )
    receipt = models.ForeignKey(
        "finance.Receipt", on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=12, choices=SplitRole)
    share = models.DecimalField(_("share (%)"), **PERCENT)
    fee = models.DecimalField(_("fee collected"), **MONEY)
    base = models.DecimalField(_("base"), **MONEY)
    amount = models.DecimalField(_("commission"), **MONEY)
    clawback_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "id"]
        indexes = [
            models.Index(fields=["tenant", "receipt"], name="comm_staffline_rcpt")
        ]


class PartnerStatement(StatementBase):
    """One partner's commission of one month from one paying entity, with the tax
    withheld: ``net = gross − tax``."""

    SCOPE_OWNER = "partner__manager"
    objects = ScopedManager()

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    paying_entity = models.ForeignKey(
        PayingEntity,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paying entity"),
    )
    method = models.CharField(
        _("withholding method"), max_length=12, choices=WithholdingMethod
    )
    gross = models.DecimalField(_("income"), **MONEY)
    taxable = models.DecimalField(_("taxable"), **MONEY)
    tax = models.DecimalField(_("tax withheld"), **MONEY)
    net = models.DecimalField(_("net"), **MONEY)

    class Meta:
        ordering = ["-month", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "paying_entity", "month"],
                name="commission_partner_stmt_uniq",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "month", "status"], name="comm_partner_month"
            )
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.partner_id, self.month.strftime("%Y-%m"))


class PartnerLine(TenantModel):
    """One level's share of one receipt (or its clawback on a refund)."""

    SCOPE_OWNER = "statement__partner__manager"
    objects = ScopedManager()

    statement = models.ForeignKey(
        PartnerStatement, on_delete=models.CASCADE, related_name="lines"
    )
    receipt = models.ForeignKey(
        "finance.Receipt", on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+"
    )
    referrer = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred by"),
    )
    level = models.PositiveSmallIntegerField(_("level"))
    rate = models.DecimalField(_("rate (%)"), **PERCENT)
    fee = models.DecimalField(_("fee collected"), **MONEY)
    amount = models.DecimalField(_("share"), **MONEY)
    clawback_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "id"]
        indexes = [
            models.Index(fields=["tenant", "receipt"], name="comm_partnerline_rcpt")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3), name="commission_level_1_3"
            )
        ]


# --- payouts (bookkeeping, firm-wide) ----------------------------------------------


class PayoutSequence(TenantModel):
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "year"], name="commission_payout_seq_uniq"
            )
        ]


class PayoutBatch(TenantModel):
    """Approved partner statements paid by one bank transfer file (代发批次)."""

    number = models.CharField(_("batch number"), max_length=20)
    paying_entity = models.ForeignKey(
        PayingEntity,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paying entity"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutStatus, default=PayoutStatus.CREATED
    )
    total = models.DecimalField(_("total"), **MONEY)
    item_count = models.PositiveIntegerField(_("payees"), default=0)
    reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], name="commission_batch_number_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.number


class PayoutItem(TenantModel):
    """One partner statement in a batch: its net, and the payee as it was paid."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="items"
    )
    statement = models.OneToOneField(
        PartnerStatement, on_delete=models.PROTECT, related_name="payout_item"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["batch", "id"]
