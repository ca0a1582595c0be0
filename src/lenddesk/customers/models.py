"""Customers (借款客户), their pools, follow-ups and visits (SPEC M3)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.accounts.scope import ScopedManager
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


class DuplicatePolicy(models.TextChoices):
    REJECT = "reject", _("Reject the new record")
    MERGE = "merge", _("Merge into the existing customer")
    FLAG = "flag", _("Keep both and flag")


class PhonePolicy(models.TextChoices):
    """What owning a customer gives with its phone number (号码策略)."""

    SHOW_OWN = "show_own", _("Owners may show their own customers' numbers")
    HIDDEN = "hidden", _("Owners call through the system; numbers stay hidden")


class PoolRules(TenantModel):
    """A firm's pool rules (公海/私海规则), one row per firm."""

    private_cap = models.PositiveIntegerField(
        _("private-pool cap per person"), default=300
    )
    daily_claim_limit = models.PositiveIntegerField(
        _("claims per person per day"), default=30
    )
    protection_days = models.PositiveIntegerField(
        _("protection after a claim (days)"), default=3
    )
    return_days_a = models.PositiveIntegerField(
        _("return after days without follow-up: A"), default=90
    )
    return_days_b = models.PositiveIntegerField(_("… B"), default=30)
    return_days_c = models.PositiveIntegerField(_("… C"), default=15)
    return_days_d = models.PositiveIntegerField(_("… D and unrated"), default=7)
    return_days_without_order = models.PositiveIntegerField(
        _("return after days without a signed order (0 = never)"), default=180
    )
    warn_days_before_return = models.PositiveIntegerField(
        _("warn the owner days before"), default=2
    )
    cooldown_days = models.PositiveIntegerField(
        _("days before the previous owner may claim again"), default=7
    )
    locked_per_person = models.PositiveIntegerField(
        _("key customers per person (exempt)"), default=10
    )
    duplicate_policy = models.CharField(
        _("when a duplicate arrives"),
        max_length=10,
        choices=DuplicatePolicy,
        default=DuplicatePolicy.MERGE,
    )
    phone_policy = models.CharField(
        _("owners and their customers' phone numbers"),
        max_length=10,
        choices=PhonePolicy,
        default=PhonePolicy.SHOW_OWN,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="poolrules_tenant_uniq")
        ]

    def __str__(self) -> str:
        return "pool rules %s" % self.tenant_id

    def return_days(self, rating: str) -> int:
        return {
            "A": self.return_days_a,
            "B": self.return_days_b,
            "C": self.return_days_c,
        }.get(rating, self.return_days_d)


class PublicPool(TenantModel):
    """A public pool (公海). The firm's main pool has no department; others belong to a
    department, whose people see and claim from it."""

    name = models.CharField(_("name"), max_length=60)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="pool_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


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


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS")
    OTHER = "other", _("Other")


class FollowUp(TenantModel):
    """One contact with a customer (跟进), with the next planned contact."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="followups"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=FollowUpKind, default=FollowUpKind.CALL
    )
    content = models.TextField(_("what happened"))
    next_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-created_at"], name="fu_tenant_customer"
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.kind)


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Visit(TenantModel):
    """An appointment at the office (邀约上门)."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="visits"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("appointment"))
    place = models.CharField(_("place"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus, default=VisitStatus.BOOKED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.scheduled_at)


class ClaimCounter(TenantModel):
    """Claims per person per day; a conditional UPDATE keeps the limit under races."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "day"], name="claimcounter_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s %s %s" % (self.user_id, self.day, self.used)


class TimelineEvent(TenantModel):
    """Everything that happened to a customer, newest first (客户画像时间线)."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="timeline"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-created_at"], name="tl_tenant_customer"
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.kind)


class AllocationRule(TenantModel):
    """Automatic assignment of new customers (自动分配): the first active rule whose
    channel and city match picks the team member with the fewest assignments per unit
    of weight, skipping people who are off or at their cap; ties go to the lowest id."""

    name = models.CharField(_("name"), max_length=60)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team"),
    )
    channel = models.CharField(_("only channel"), max_length=60, blank=True)
    city = models.CharField(_("only city"), max_length=40, blank=True)
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class AllocationCount(TenantModel):
    rule = models.ForeignKey(
        AllocationRule, on_delete=models.CASCADE, related_name="counts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    assigned = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rule", "user"], name="alloccount_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s→%s: %d" % (self.rule_id, self.user_id, self.assigned)


class AllocationLog(TenantModel):
    """Who received which customer and why: the fairness report reads this."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        AllocationRule, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return "%s→%s" % (self.customer_id, self.user_id)


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class ImportJob(TenantModel):
    """An Excel/CSV import. Rows are processed in batches by a worker; each row's
    outcome is one ``ImportRow`` (unique per job and row), so a killed worker resumes
    where it stopped and never doubles a row."""

    SCOPE_OWNER = "created_by"
    objects = ScopedManager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=80)
    file_kind = models.CharField(max_length=8)
    mapping = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    duplicate_policy = models.CharField(
        max_length=10, choices=DuplicatePolicy, default=DuplicatePolicy.MERGE
    )
    assignment = models.CharField(max_length=40, default="pool")
    status = models.CharField(
        max_length=10, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return (
            int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
        )


class ImportRow(TenantModel):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10)  # created | duplicate | error
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "job", "row_no"], name="importrow_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s#%s" % (self.job_id, self.row_no)


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    PROPERTY_CERTIFICATE = "property_certificate", _("Property certificate")
    INCOME_PROOF = "income_proof", _("Proof of income")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    CONTRACT = "contract", _("Signed contract")
    OTHER = "other", _("Other")


class CustomerDocument(TenantModel):
    """A file in the customer's dossier (客户档案), encrypted at rest; a new upload of
    the same kind is a new version, the old ones stay."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind)
    version = models.PositiveSmallIntegerField(default=1)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer", "kind", "version"],
                name="document_version_uniq",
            )
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.get_kind_display(), self.version)


class SavedView(TenantModel):
    """A named set of list filters a person keeps (我的视图)."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "name"], name="savedview_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", pgettext_lazy("custom field type", "Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomField(TenantModel):
    """A firm's own customer field (自定义字段), validated on every save."""

    key = models.SlugField(_("key"), max_length=30)
    label = models.CharField(_("label"), max_length=40)
    kind = models.CharField(
        _("type"), max_length=10, choices=CustomFieldType, default=CustomFieldType.TEXT
    )
    choices = models.CharField(
        _("choices (comma separated)"), max_length=300, blank=True
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="customfield_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [
            c.strip() for c in self.choices.replace("，", ",").split(",") if c.strip()
        ]


class TagRule(TenantModel):
    """Automatic tags (规则标签): when a customer's attribute matches, the tag is added
    on create, edit and import."""

    FIELDS = (
        ("has_house", _("owns a house")),
        ("has_car", _("owns a car")),
        ("has_life_policy", _("life insurance policy")),
        ("has_business_licence", _("business licence")),
        ("provident_fund_months", _("provident fund (months)")),
        ("social_security_months", _("social security (months)")),
        ("demand_amount", _("amount wanted (yuan)")),
        ("monthly_income", _("monthly income (yuan)")),
        ("city", _("city")),
        ("channel", _("channel")),
        ("rating", _("intent rating")),
    )
    OPERATORS = (("is_true", _("is yes")), ("eq", "="), ("gte", "≥"), ("lte", "≤"))

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules")
    field = models.CharField(_("field"), max_length=30, choices=FIELDS)
    operator = models.CharField(_("operator"), max_length=10, choices=OPERATORS)
    value = models.CharField(_("value"), max_length=60, blank=True)

    def __str__(self) -> str:
        return "%s: %s %s %s" % (self.tag, self.field, self.operator, self.value)

    def matches(self, customer) -> bool:
        from decimal import Decimal, InvalidOperation

        actual = getattr(customer, self.field, None)
        if self.operator == "is_true":
            return bool(actual)
        if actual in (None, ""):
            return False
        if self.operator == "eq":
            return str(actual) == self.value
        try:
            actual_n, wanted = Decimal(str(actual)), Decimal(self.value)
            return actual_n >= wanted if self.operator == "gte" else actual_n <= wanted
        except (InvalidOperation, ValueError):  # a NaN stored before rules refused it
            return False


class ExportApproval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExportJob(TenantModel):
    """A large export made by a worker; the file is stored encrypted and only its
    requester may download it, for a limited time."""

    SCOPE_OWNER = "created_by"
    objects = ScopedManager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    query = models.CharField(max_length=500, blank=True)
    full_numbers = models.BooleanField(default=False)
    purpose = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus, default=ImportStatus.QUEUED
    )
    rows = models.PositiveIntegerField(default=0)
    stored_name = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    estimated_rows = models.PositiveIntegerField(default=0)
    approval = models.CharField(
        _("approval"),
        max_length=12,
        choices=ExportApproval,
        default=ExportApproval.NOT_NEEDED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["tenant", "approval"],
                condition=Q(approval="pending"),
                name="export_awaiting_approval",
            )
        ]

    def __str__(self) -> str:
        return "export %s" % self.pk
