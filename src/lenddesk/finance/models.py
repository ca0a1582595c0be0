"""Finance (财务结算): the fee each disbursed order owes (应收), the money received
against it (回款), refunds and write-offs, the firm's registered accounts, other
expenses and the closed months.

Money is Decimal, half-up to 0.01. A receipt row's ``amount`` is always above zero;
its ``kind`` gives the sign. Every row counts in a ``period`` (the first day of a
month): its own month while that month is open, else the first open month after it,
so a closed month's totals never change.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.accounts.scope import ScopedManager
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class FirmAccount(EncryptedFieldsMixin, TenantModel):
    """A bank account registered in the firm's name (对公账户): fees are received
    only into an active one. The number is encrypted and shown masked."""

    ENCRYPTED_FIELDS = {"account_number": "text"}
    REVEAL_CODES = {"account_number": "finance.settings"}

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(_("account name"), max_length=80)
    bank = models.CharField(_("bank"), max_length=80)
    account_number_cipher = models.BinaryField(null=True, blank=True, editable=False)
    account_number_index = models.CharField(max_length=64, blank=True, editable=False)
    account_tail = models.CharField(max_length=4, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account_number_index"],
                condition=~Q(account_number_index=""),
                name="finance_account_number_uniq",
            )
        ]

    def __str__(self) -> str:
        return "%s %s ****%s" % (self.name, self.bank, self.account_tail)


class FinancePolicy(TenantModel):
    """The firm's fee guardrails (one row per firm)."""

    invoice_threshold = models.DecimalField(
        _("invoice number required above (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty to never require one."),
        **MONEY,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="finance_policy_one")
        ]


class ReceivableStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("receivable", "Open")
    SETTLED = "settled", _("Settled")
    WRITTEN_OFF = "written_off", _("Written off")


class Receivable(TenantModel):
    """The fee an order owes once its loan is disbursed (one per order).

    ``received`` (receipts less refunds) and ``written_off`` are kept in step with
    the receipt rows under a row lock; ``outstanding`` is what is still owed.
    """

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="receivable"
    )
    amount = models.DecimalField(_("fee due (yuan)"), **MONEY)
    basis = models.JSONField(_("how the fee was computed"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReceivableStatus,
        default=ReceivableStatus.OPEN,
    )
    due_on = models.DateField(_("due since"))
    period = models.DateField(_("month"))
    received = models.DecimalField(_("received (yuan)"), default=ZERO, **MONEY)
    written_off = models.DecimalField(_("written off (yuan)"), default=ZERO, **MONEY)
    outstanding = models.DecimalField(_("outstanding (yuan)"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "status", "-due_on", "-id"],
                name="finance_recv_status_idx",
            ),
            models.Index(
                fields=["tenant", "-due_on", "-id"], name="finance_recv_due_idx"
            ),
            models.Index(fields=["tenant", "period"], name="finance_recv_period_idx"),
            # The API's keyset pages: newest first within a status.
            models.Index(
                fields=["tenant", "status", "-id"], name="finance_recv_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.order_id, self.amount)


class ReceiptKind(models.TextChoices):
    RECEIPT = "receipt", pgettext_lazy("money", "Receipt")
    REFUND = "refund", _("Refund")
    WRITEOFF = "writeoff", _("Write-off")


class Receipt(TenantModel):
    """Money received against a receivable, refunded, or written off. Append-only."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    receivable = models.ForeignKey(
        Receivable, on_delete=models.PROTECT, related_name="receipts"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReceiptKind)
    amount = models.DecimalField(
        _("amount (yuan)"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    occurred_on = models.DateField(_("date"))
    period = models.DateField(_("month"))
    account = models.ForeignKey(
        FirmAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("account"),
    )
    invoice_no = models.CharField(_("invoice number"), max_length=40, blank=True)
    reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="finance_receipt_amount_positive"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "period", "kind"], name="finance_rcpt_period_idx"
            ),
            models.Index(fields=["tenant", "occurred_on"], name="finance_rcpt_day_idx"),
            models.Index(fields=["tenant", "-id"], name="finance_rcpt_recent_idx"),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.kind, self.amount)

    @property
    def signed_amount(self) -> Decimal:
        """What the row adds to the money received: a refund takes it back, a
        write-off receives nothing."""
        if self.kind == ReceiptKind.RECEIPT:
            return self.amount
        if self.kind == ReceiptKind.REFUND:
            return -self.amount
        return ZERO


class OtherExpense(TenantModel):
    """A cost that is neither channel spend nor a commission (rent, a courier, a
    valuation), optionally charged to one order or one channel."""

    category = models.CharField(_("category"), max_length=40)
    amount = models.DecimalField(
        _("amount (yuan)"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    occurred_on = models.DateField(_("date"))
    period = models.DateField(_("month"))
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("business order", "order"),
    )
    channel = models.ForeignKey(
        "acquisition.Channel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="finance_expense_amount_positive"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "period"], name="finance_expense_period_idx")
        ]


class ClosedMonth(TenantModel):
    """A month closed (月结): its rows are locked and its totals stored once."""

    month = models.DateField(_("month"))
    totals = models.JSONField(_("totals"), default=dict)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "month"], name="finance_closed_month_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")
