"""Funders, loan products with versioned eligibility rules, matches, pre-screens and
review requests (SPEC M6)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel


class FunderKind(models.TextChoices):
    BANK = "bank", _("Bank")
    CONSUMER_FINANCE = "consumer_finance", _("Consumer-finance company")
    MICROLENDER = "microlender", _("Micro-lender")
    TRUST = "trust", _("Trust or leasing company")
    OTHER = "other", _("Other")


class FunderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Agreement ended")


class Funder(TenantModel):
    """A lender whose products the firm sells (资方)."""

    name = models.CharField(_("institution"), max_length=100)
    kind = models.CharField(
        _("type"), max_length=20, choices=FunderKind, default=FunderKind.BANK
    )
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    agreement_terms = models.TextField(_("agreement terms"), blank=True)
    agreement_expires_on = models.DateField(
        _("agreement expires on"), null=True, blank=True
    )
    rebate_percent = models.DecimalField(
        _("rebate (percent of the amount disbursed)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
    )
    rebate_terms = models.TextField(_("rebate terms"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FunderStatus, default=FunderStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="funder_tenant_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductType(models.TextChoices):
    CREDIT = "credit", _("Credit loan (信用贷)")
    MORTGAGE = "mortgage", _("Mortgage loan (抵押贷)")
    CAR = "car", _("Car loan")
    POLICY = "policy", _("Insurance-policy loan")
    BUSINESS = "business", _("Business loan")
    PROVIDENT_FUND = "provident_fund", _("Provident-fund loan (公积金贷)")


class RepaymentMethod(models.TextChoices):
    EQUAL_INSTALMENT = "equal_instalment", _("Equal instalments (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_ONLY = "interest_only", _("Interest first, principal at the end")


class Product(TenantModel):
    """A loan product of one funder. Eligibility lives in versioned ``RuleSet`` rows."""

    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=ProductType)
    amount_min = models.DecimalField(
        _("minimum amount (yuan)"), max_digits=14, decimal_places=2
    )
    amount_max = models.DecimalField(
        _("maximum amount (yuan)"), max_digits=14, decimal_places=2
    )
    term_min = models.PositiveSmallIntegerField(_("shortest term (months)"))
    term_max = models.PositiveSmallIntegerField(_("longest term (months)"))
    rate_min = models.DecimalField(
        _("lowest annual rate (%)"), max_digits=6, decimal_places=3
    )
    rate_max = models.DecimalField(
        _("highest annual rate (%)"), max_digits=6, decimal_places=3
    )
    repayment_methods = models.JSONField(_("repayment methods"), default=list)
    processing_days = models.PositiveSmallIntegerField(
        _("typical processing days"), default=7
    )
    service_fee_percent = models.DecimalField(
        _("our service fee (percent of the amount)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
    )
    service_fee_min = models.DecimalField(
        _("minimum service fee (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    guarantee_fee_percent = models.DecimalField(
        _("guarantee fee, once (percent of the amount)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
    )
    guarantee_fee_monthly_percent = models.DecimalField(
        _("guarantee fee per month (percent of the amount)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0"),
    )
    required_documents = models.JSONField(_("required documents"), default=list)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["funder__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "funder", "name"], name="product_funder_name_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "is_active"], name="product_tenant_active")
        ]

    def __str__(self) -> str:
        return (
            "%s · %s" % (self.funder.name, self.name) if self.funder_id else self.name
        )

    def service_fee(self, amount: Decimal) -> Decimal:
        fee = (amount * self.service_fee_percent / 100).quantize(Decimal("0.01"))
        return max(fee, self.service_fee_min)

    def document_labels(self) -> list[str]:
        from lenddesk.customers.models import DocumentKind

        labels = dict(DocumentKind.choices)
        return [str(labels.get(d, d)) for d in self.required_documents]

    def method_labels(self) -> list[str]:
        labels = dict(RepaymentMethod.choices)
        return [str(labels.get(m, m)) for m in self.repayment_methods]


class RuleSet(TenantModel):
    """One version of a product's eligibility rules, in force from ``effective_from``
    until a later version starts. ``rules`` is a list of
    ``{"field", "op", "value", "message"}`` checked against the attribute catalogue."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="rule_sets"
    )
    version = models.PositiveIntegerField()
    effective_from = models.DateField(_("in force from"))
    rules = models.JSONField(default=list)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product", "version"], name="ruleset_version_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "product", "-effective_from"],
                name="ruleset_product_from",
            )
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.product_id, self.version)


class MatchRun(TenantModel):
    """One matching of one customer against the catalogue, kept with the customer's
    attributes as read and the rule-set version used for every product, so the answer
    can be explained later exactly as it was given."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    facts = models.JSONField(default=dict)
    results = models.JSONField(default=list)
    eligible_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "customer", "-id"], name="matchrun_customer")
        ]

    def __str__(self) -> str:
        return "match %s" % self.pk


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class ReverseMatchJob(TenantModel):
    """Which customers in the requester's scope fit one product (second sale). A SQL
    pre-filter narrows the set; the rules are then checked one by one."""

    SCOPE_OWNER = "created_by"
    objects = ScopedManager()

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=JobStatus, default=JobStatus.QUEUED
    )
    candidates = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    last_customer_id = models.PositiveBigIntegerField(default=0)
    customer_ids = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return "reverse match %s" % self.pk

    @property
    def percent(self) -> int:
        if self.status == JobStatus.COMPLETED:
            return 100
        return int(100 * self.processed / self.candidates) if self.candidates else 0


class ProductSettings(TenantModel):
    """The firm's settings for matching, cost disclosure and human review."""

    apr_ceiling = models.DecimalField(
        _("warn above this all-in annual cost (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("24.00"),
    )
    review_role = models.ForeignKey(
        "accounts.Role",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role that handles human reviews"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="productsettings_uniq")
        ]

    def __str__(self) -> str:
        return "product settings %s" % self.tenant_id


class Scorecard(TenantModel):
    """One version of the firm's pre-screening scorecard: points per attribute band,
    hard rules that decline outright, and grade thresholds."""

    version = models.PositiveIntegerField()
    bands = models.JSONField(default=list)
    hard_rules = models.JSONField(default=list)
    grades = models.JSONField(default=list)
    blacklist_tag = models.CharField(max_length=30, default="黑名单")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version"], name="scorecard_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return "scorecard v%d" % self.version


class PreScreen(TenantModel):
    """One pre-screening (风控前置) of a customer: inputs, lines, points and grade."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+"
    )
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    inputs = models.JSONField(default=dict)
    lines = models.JSONField(default=list)
    points = models.IntegerField(default=0)
    grade = models.CharField(max_length=2)
    declined = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-id"], name="prescreen_customer"
            )
        ]

    def __str__(self) -> str:
        return "pre-screen %s: %s" % (self.pk, self.grade)


class ReviewState(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    CONFIRMED = "confirmed", _("Grade confirmed")
    CHANGED = "changed", _("Grade changed")


class ReviewRequest(TenantModel):
    """A request that a person reviews an automated pre-screen (PIPL art. 24)."""

    prescreen = models.ForeignKey(
        PreScreen, on_delete=models.CASCADE, related_name="reviews"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+"
    )
    role = models.ForeignKey(
        "accounts.Role", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    state = models.CharField(
        max_length=10, choices=ReviewState, default=ReviewState.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    final_grade = models.CharField(max_length=2, blank=True)
    resolution = models.CharField(_("review note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant", "state", "-id"], name="review_state")]

    def __str__(self) -> str:
        return "review %s" % self.pk
