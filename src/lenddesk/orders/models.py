"""Orders (业务单) and the workflows they run through (流程配置).

A firm keeps one ``Workflow`` per kind of loan. Its steps live in numbered
``WorkflowVersion`` rows: the admin edits a draft, publishing makes it the version new
orders start on, and an order keeps the version it started on to the end.

An order is visible to whoever may see its owner, who is always its customer's owner
(``orders/ownership.py``), plus everyone who handles one of its steps
(``OrderParticipant``): see ``OrderQuerySet.visible_to``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager, ScopedQuerySet, scope_q
from lenddesk.orders.choices import (  # the models' choices, imported from here too
    FeeKind,
    MoveKind,
    NodeKind,
    OrderStatus,
    SubmissionStatus,
    VersionStatus,
)
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 4}


# --- workflows ---------------------------------------------------------------------


class Workflow(TenantModel):
    """The flow orders of one kind of loan go through (信用贷, 抵押贷, 转贷 …)."""

    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    product_types = models.JSONField(
        _("product types"),
        default=list,
        blank=True,
        help_text=_("Orders for products of these types start on this flow."),
    )
    current = models.ForeignKey(
        "WorkflowVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published version"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="workflow_tenant_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(TenantModel):
    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"], name="workflow_version_number_uniq"
            ),
            # At most one draft per workflow: editing always continues the same one.
            models.UniqueConstraint(
                fields=["workflow"],
                condition=Q(status="draft"),
                name="workflow_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.workflow, self.number)


class WorkflowNode(TenantModel):
    """One step of a version: who handles it, what it needs, how long it may take,
    and which moves leave it. Rows of a published version never change."""

    version = models.ForeignKey(
        WorkflowVersion, on_delete=models.CASCADE, related_name="nodes"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(
        _("kind"), max_length=8, choices=NodeKind, default=NodeKind.STEP
    )
    role_key = models.SlugField(
        _("responsible role"),
        max_length=40,
        blank=True,
        help_text=_("Only people with this role (or their managers) move orders on."),
    )
    required_documents = models.JSONField(_("required documents"), default=list)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    sla_hours = models.PositiveIntegerField(
        _("time limit (hours)"), null=True, blank=True
    )
    can_return = models.BooleanField(_("may return to an earlier step"), default=True)
    can_cancel = models.BooleanField(_("may cancel here"), default=True)
    locked_fields = models.JSONField(
        _("fields locked from this step on"), default=list, blank=True
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="workflow_node_position_uniq"
            ),
            models.UniqueConstraint(
                fields=["version", "key"], name="workflow_node_key_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- orders ------------------------------------------------------------------------


class OrderQuerySet(ScopedQuerySet):
    def visible_to(self, actor):
        """Orders of customers the actor may see, plus orders they handle a step of."""
        condition = scope_q(actor, owner=self.model.SCOPE_OWNER, as_array=True)
        if not condition:  # the whole firm
            return self
        handled = Q(pk__in_array=OrderParticipant.order_ids_of(actor))
        return self.filter(condition | handled)

    def reachable(self, actor, order_id: int):
        """The one order ``order_id`` if the actor may see it: ``visible_to`` for a
        single row, asking whether *this* order has the actor among its participants
        instead of listing every order they take part in (0.1 ms, not 1–5 ms)."""
        rows = self.filter(pk=order_id)
        condition = scope_q(actor, owner=self.model.SCOPE_OWNER)
        if not condition:
            return rows
        takes_part = Exists(
            OrderParticipant.objects.filter(order_id=OuterRef("pk"), user=actor)
        )
        return rows.filter(condition | Q(takes_part))


class OrderManager(ScopedManager.from_queryset(OrderQuerySet)):
    pass


class Order(TenantModel):
    """A signed customer's application (业务单), from signing to the end of the loan."""

    SCOPE_OWNER = "owner"  # follows the customer's owner: orders/ownership.py
    objects = OrderManager()

    number = models.CharField(_("order number"), max_length=32)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    processor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("processor"),
    )
    version = models.ForeignKey(
        WorkflowVersion,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("workflow"),
    )
    node = models.ForeignKey(
        WorkflowNode,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current step"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus, default=OrderStatus.OPEN
    )
    amount = models.DecimalField(
        _("amount requested (yuan)"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1)]
    )
    fee_kind = models.CharField(
        _("fee terms"), max_length=8, choices=FeeKind, default=FeeKind.RATE
    )
    fee_rate = models.DecimalField(
        _("fee (percent of the disbursed amount)"),
        null=True,
        blank=True,
        **RATE,
    )
    fee_fixed = models.DecimalField(
        _("fixed fee (yuan)"), null=True, blank=True, **MONEY
    )
    # [{"up_to": "500000.00" | null, "rate": "2.0"}], ascending; the last has no cap.
    fee_tiers = models.JSONField(_("fee tiers"), default=list, blank=True)
    channel = models.ForeignKey(
        "acquisition.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("partner"),
    )
    note = models.TextField(_("note"), blank=True)
    lock_version = models.PositiveIntegerField(default=1, editable=False)
    node_entered_at = models.DateTimeField(_("in this step since"))
    node_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], name="order_tenant_number_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "node", "-id"], name="order_board_idx"),
            models.Index(fields=["tenant", "created_at"], name="order_tenant_created"),
            models.Index(fields=["tenant", "closed_at"], name="order_tenant_closed"),
            # the board's counts per step are read from this index alone
            models.Index(
                fields=["tenant", "node", "status"], name="order_step_count_idx"
            ),
            models.Index(
                fields=["tenant", "status", "is_overdue", "-id"],
                name="order_overdue_idx",
            ),
            models.Index(fields=["tenant", "owner", "-id"], name="order_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderStepCount(TenantModel):
    """How many orders stand at each step, by status, in a few shards: the board's
    counts for the whole firm without counting 200,000 rows (decision 0010).

    ``orders.services.step_counts`` adds and takes one in the transaction that opens
    or moves an order (an atomic upsert on a shard chosen by the order's id, so
    concurrent moves from one step rarely wait on the same row), and a nightly job
    reconciles the sums with the orders. Counts, not records: no owner."""

    SHARDS = 8

    node = models.ForeignKey(WorkflowNode, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=OrderStatus)
    shard = models.PositiveSmallIntegerField(default=0)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "node", "status", "shard"],
                name="order_step_count_uniq",
            )
        ]


class OrderProduct(TenantModel):
    """A product the order applies for; the first is the main one."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="order_product_uniq"
            )
        ]


class OrderParticipant(TenantModel):
    """Someone who handles a step of the order (processor, warrant officer …): they
    see the order whatever their data scope."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role_key = models.SlugField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "user"], name="order_participant_uniq"
            )
        ]
        indexes = [
            # with the order id, "the orders I handle" is read from the index alone
            models.Index(
                fields=["tenant", "user", "order"], name="order_part_user_order_idx"
            )
        ]

    @classmethod
    def order_ids_of(cls, user):
        """The ids of the orders ``user`` handles a step of, as a subquery."""
        return cls.objects.filter(user=user).values("order_id")


class OrderMove(TenantModel):
    """One move of an order between steps, with the mover's comment. Append-only."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(max_length=10, choices=MoveKind)
    from_node = models.ForeignKey(
        WorkflowNode, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_node = models.ForeignKey(
        WorkflowNode, on_delete=models.PROTECT, null=True, related_name="+"
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lock_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]


class OrderSequence(TenantModel):
    """The firm's order numbers of one day, handed out without gaps under
    concurrency (one conditional UPDATE … RETURNING)."""

    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="order_seq_day_uniq")
        ]


# --- funder submission, disbursement, after-loan -----------------------------------


class Submission(TenantModel):
    """The order sent to one funder (资方进件), and the funder's decision."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="submissions"
    )
    funder = models.ForeignKey(
        "products.Funder", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+", null=True
    )
    status = models.CharField(
        max_length=10, choices=SubmissionStatus, default=SubmissionStatus.PENDING
    )
    documents = models.JSONField(_("documents sent"), default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    approved_amount = models.DecimalField(
        _("approved amount (yuan)"), null=True, blank=True, **MONEY
    )
    approved_rate = models.DecimalField(
        _("approved annual rate (%)"), null=True, blank=True, **RATE
    )
    approved_term = models.PositiveSmallIntegerField(
        _("approved term (months)"), null=True, blank=True
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=300, blank=True
    )
    withdraw_reason = models.CharField(
        _("reason for withdrawing"), max_length=300, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "funder", "status"], name="submission_funder_idx"
            ),
            models.Index(fields=["tenant", "submitted_at"], name="submission_sent_idx"),
            models.Index(
                fields=["tenant", "decided_at"], name="submission_decided_idx"
            ),
        ]
        constraints = [
            # One submission awaiting each funder's answer per order at a time.
            models.UniqueConstraint(
                fields=["order", "funder"],
                condition=Q(status="pending"),
                name="submission_one_pending",
            )
        ]


class Disbursement(EncryptedFieldsMixin, TenantModel):
    """The loan paid out (放款): amount, date, the account it went to (encrypted) and
    the repayment terms the schedule is computed from."""

    ENCRYPTED_FIELDS = {"account_number": "text"}
    REVEAL_CODES = {"account_number": "orders.reveal_account"}
    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="disbursement"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, null=True, related_name="+"
    )
    amount = models.DecimalField(
        _("amount disbursed (yuan)"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    disbursed_on = models.DateField(_("disbursed on"))
    first_due_on = models.DateField(_("first repayment on"))
    annual_rate = models.DecimalField(_("annual rate (%)"), **RATE)
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1)]
    )
    method = models.CharField(_("repayment method"), max_length=20)
    account_bank = models.CharField(_("receiving bank"), max_length=80, blank=True)
    account_number_cipher = models.BinaryField(null=True, blank=True, editable=False)
    account_number_index = models.CharField(max_length=64, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # When the second-sale to-do before maturity was made (once per loan).
    maturity_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "disbursed_on"], name="disbursed_day_idx")
        ]


class Instalment(TenantModel):
    """One row of a disbursed loan's repayment schedule."""

    SCOPE_OWNER = "disbursement__order__owner"
    objects = ScopedManager()

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="instalments"
    )
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    principal = models.DecimalField(**MONEY)
    interest = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    reminded_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    # There is no repayment feed: someone marks an instalment repaid (audited).
    paid_on = models.DateField(_("repaid on"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["disbursement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "number"], name="instalment_number_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "due_on"], name="instalment_due_idx")]


class FundUseCheck(TenantModel):
    """A check that the loan is used as declared (贷后资金用途检查)."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="fund_checks"
    )
    checked_on = models.DateField(_("checked on"))
    result = models.CharField(_("result"), max_length=20)
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "-checked_on", "-id"]
