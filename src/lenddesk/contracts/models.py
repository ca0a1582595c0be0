"""Contracts (合同): the firm's Word templates per contract type, the contracts
generated from orders, each regeneration kept as a version, and their numbering.

A contract belongs to its order's owner (``SCOPE_OWNER``); templates, the numbering
settings and the number counters are the firm's configuration and bookkeeping.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel


class ContractKind(models.TextChoices):
    BROKERAGE = "brokerage", _("Brokerage service contract")
    FEE_CONFIRMATION = "fee_confirmation", _("Service fee confirmation")
    CREDIT_AUTHORISATION = "credit_authorisation", _("Credit-query authorisation")


# The number prefix each type starts with until the firm sets its own.
DEFAULT_PREFIX = {
    ContractKind.BROKERAGE: "JJ",
    ContractKind.FEE_CONFIRMATION: "FW",
    ContractKind.CREDIT_AUTHORISATION: "ZX",
}
DEFAULT_VALID_MONTHS = 12


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the customer")
    SIGNED = "signed", _("Signed")
    VOID = "void", _("Void")


class PdfState(models.TextChoices):
    READY = "ready", _("PDF ready")
    UNAVAILABLE = "unavailable", _("PDF conversion is not installed")
    FAILED = "failed", _("PDF conversion failed")


class ContractSetting(TenantModel):
    """The firm's numbering prefix of one contract type and, for the credit-query
    authorisation, how long a signed one authorises queries."""

    kind = models.CharField(_("contract type"), max_length=24, choices=ContractKind)
    prefix = models.CharField(_("number prefix"), max_length=8)
    valid_months = models.PositiveSmallIntegerField(
        _("authorisation valid for (months)"),
        default=DEFAULT_VALID_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind"], name="contract_setting_kind_uniq"
            )
        ]


class ContractTemplate(TenantModel):
    """One uploaded Word template of a contract type. A new upload is a new version;
    the newest version is the one new contracts use, the old ones stay for the
    contracts made from them."""

    kind = models.CharField(_("contract type"), max_length=24, choices=ContractKind)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=80)
    filename = models.CharField(_("file name"), max_length=120)
    stored_name = models.CharField(max_length=40, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(editable=False)
    placeholders = models.JSONField(_("placeholders"), default=list, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract template")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "version"], name="contract_template_version"
            )
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.name, self.version)


class ContractSequence(TenantModel):
    """The numbers of one contract type on one day, handed out without gaps (one
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING``)."""

    kind = models.CharField(max_length=24, choices=ContractKind)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "day"], name="contract_seq_day_uniq"
            )
        ]


class Contract(TenantModel):
    """A contract made for an order from the firm's template of its type."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("order"),
    )
    kind = models.CharField(_("contract type"), max_length=24, choices=ContractKind)
    number = models.CharField(_("contract number"), max_length=40)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ContractStatus,
        default=ContractStatus.DRAFT,
    )
    version = models.PositiveIntegerField(_("current version"), default=1)
    signed_scan = models.ForeignKey(
        "customers.CustomerDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed scan"),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contract")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], name="contract_tenant_number_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "status", "-id"], name="contract_status_idx"
            ),
            models.Index(fields=["tenant", "order", "-id"], name="contract_order_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ContractVersion(TenantModel):
    """One generation of a contract: the DOCX, and the PDF when it could be made.
    Regenerating adds a version; none is ever replaced."""

    SCOPE_OWNER = "contract__order__owner"
    objects = ScopedManager()

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    template = models.ForeignKey(
        ContractTemplate, on_delete=models.PROTECT, related_name="+"
    )
    docx_name = models.CharField(max_length=40, editable=False)
    docx_sha256 = models.CharField(max_length=64, editable=False)
    docx_size = models.PositiveIntegerField(editable=False)
    pdf_state = models.CharField(max_length=12, choices=PdfState)
    pdf_name = models.CharField(max_length=40, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    pdf_size = models.PositiveIntegerField(null=True, editable=False)
    # The end of the authorisation a credit-query authorisation prints (what the
    # customer signs; signing records the authorisation until then).
    valid_until = models.DateField(null=True, blank=True, editable=False)
    # Whether the customer's full ID number was printed (credit-query authorisation
    # only, by someone who may reveal it; the reveal is audited).
    full_id = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract version")
        ordering = ["contract", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="contract_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.contract.number, self.number)
