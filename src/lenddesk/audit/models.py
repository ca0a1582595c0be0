from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantModel


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Log-in refused")
    LOGOUT = "auth.logout", _("Logged out")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    TOKEN_ISSUED = "auth.token_issued", _("API token issued")
    TOKEN_REVOKED = "auth.token_revoked", _("API token revoked")
    SESSION_ENDED = "auth.session_ended", _("Session ended")
    TENANT_PROVISIONED = "tenant.provisioned", _("Firm provisioned")
    TENANT_SETTINGS_CHANGED = "tenant.settings_changed", _("Firm settings changed")
    USER_CREATED = "user.created", _("Staff created")
    USER_UPDATED = "user.updated", _("Staff updated")
    USER_ACTIVATED = "user.activated", _("Staff activated")
    USER_DISABLED = "user.disabled", _("Staff disabled")
    WRITE_REFUSED = "access.write_refused", _("Write refused")
    ACCESS_DENIED = "access.denied", _("Access denied")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")
    CUSTOMER_DUPLICATE = "customer.duplicate", _("Customer came in again")
    CUSTOMER_CLAIMED = "customer.claimed", _("Customer claimed")
    CUSTOMER_RELEASED = "customer.released", _("Customer released to the pool")
    CUSTOMER_ASSIGNED = "customer.assigned", _("Customer assigned")
    CUSTOMER_RETURNED = "customer.returned", _("Customer returned to the pool")
    CUSTOMER_HANDED_OVER = "customer.handed_over", _("Customer handed over")
    FOLLOWUP_CREATED = "customer.followup", _("Follow-up added")
    VISIT_BOOKED = "customer.visit_booked", _("Visit booked")
    VISIT_UPDATED = "customer.visit_updated", _("Visit updated")
    POOL_RULES_CHANGED = "customer.pool_rules", _("Pool rules changed")
    IMPORT_UPLOADED = "customer.import_uploaded", _("Import file uploaded")
    IMPORT_STARTED = "customer.import_started", _("Import started")
    IMPORT_FINISHED = "customer.import_finished", _("Import finished")
    CUSTOMERS_IMPORTED = "customer.imported", _("Customers imported (one batch)")
    IMPORT_REPORT_DOWNLOADED = (
        "customer.import_report",
        _("Import error report downloaded"),
    )
    ALLOCATION_RULE_CHANGED = "customer.allocation_rule", _("Allocation rule changed")
    CUSTOMERS_EXPORTED = "customer.exported", _("Customers exported")
    EXPORT_REQUESTED = "customer.export_requested", _("Large export requested")
    EXPORT_APPROVED = "customer.export_approved", _("Large export approved")
    EXPORT_REJECTED = "customer.export_rejected", _("Large export rejected")
    CUSTOMER_MERGED = "customer.merged", _("Customer records merged")
    DOCUMENT_UPLOADED = "customer.document_uploaded", _("Document uploaded")
    DOCUMENT_DOWNLOADED = "customer.document_downloaded", _("Document downloaded")
    DEPARTMENT_CREATED = "department.created", _("Department created")
    DEPARTMENT_UPDATED = "department.updated", _("Department updated")
    DEPARTMENT_DELETED = "department.deleted", _("Department deleted")
    ROLE_CREATED = "role.created", _("Role created")
    ROLE_UPDATED = "role.updated", _("Role updated")
    ROLE_DELETED = "role.deleted", _("Role deleted")
    USER_DEPARTED = "user.departed", _("Staff departed, work handed over")
    SETTINGS_CHANGED = "security.settings_changed", _("Security settings changed")
    TOTP_ENROLLED = "auth.totp_enrolled", _("Two-factor enrolled")
    TOTP_RESET = "auth.totp_reset", _("Two-factor reset")
    AUDIT_EXPORTED = "audit.exported", _("Audit log exported")
    FIELD_REVEALED = "data.revealed", _("Sensitive field revealed")
    REVEAL_REFUSED = "data.reveal_refused", _("Reveal refused")
    KEYS_ROTATED = "security.keys_rotated", _("Encryption keys rotated")
    PARTNER_SETTINGS_CHANGED = "partner.settings", _("Partner settings changed")
    PARTNER_INVITED = "partner.invited", _("Partner invitation created")
    PARTNER_INVITATION_REVOKED = (
        "partner.invitation_revoked",
        _("Partner invitation revoked"),
    )
    PARTNER_SIGNED_UP = "partner.signed_up", _("Partner signed up")
    PARTNER_APPROVED = "partner.approved", _("Partner approved")
    PARTNER_DISABLED = "partner.disabled", _("Partner disabled")
    PARTNER_ENABLED = "partner.enabled", _("Partner re-enabled")
    PARTNER_UPLINE_CHANGED = "partner.upline_changed", _("Partner upline changed")
    PARTNER_MANAGER_CHANGED = "partner.manager_changed", _("Partner manager changed")
    PARTNER_LOGIN = "partner.login", _("Partner logged in")
    PARTNER_LOGIN_FAILED = "partner.login_failed", _("Partner log-in refused")
    PARTNER_LOGOUT = "partner.logout", _("Partner logged out")
    PARTNER_REFERRAL = "partner.referral", _("Customer referred by a partner")
    CHANNEL_SAVED = "acquisition.channel", _("Channel saved")
    AD_ACCOUNT_SAVED = "acquisition.ad_account", _("Ad account saved")
    SPEND_SAVED = "acquisition.spend", _("Ad spend entered")
    NOTICE_PUBLISHED = "acquisition.notice_published", _("Privacy notice published")
    CONSENT_RECORDED = "acquisition.consent", _("Consent recorded")
    INTEGRATION_SAVED = "acquisition.integration", _("Integration saved")
    INTEGRATION_SECRET_ROTATED = (
        "acquisition.integration_secret",
        _("Integration secret rotated"),
    )
    INTAKE_QUARANTINED = "acquisition.intake_quarantined", _("Lead quarantined")
    INTAKE_REPLAYED = "acquisition.intake_replayed", _("Intake delivery replayed")
    PROMOTION_FORM_SAVED = "promotion.form_saved", _("Application form saved")
    PROMOTION_MATERIAL_SAVED = "promotion.material_saved", _("Promotion material saved")
    PROMOTION_LEAD = "promotion.lead", _("Lead from an application form")
    PROMOTION_CARD_SAVED = "promotion.card_saved", _("Business card saved")
    FUNDER_SAVED = "products.funder_saved", _("Funder saved")
    PRODUCT_SAVED = "products.product_saved", _("Loan product saved")
    PRODUCT_RULES_SAVED = "products.rules_saved", _("Eligibility rules saved")
    PRODUCT_MATCHED = "products.matched", _("Customer matched to products")
    REVERSE_MATCH_STARTED = "products.reverse_match", _("Reverse match started")
    PRODUCT_SETTINGS_CHANGED = "products.settings", _("Product settings changed")
    SCORECARD_SAVED = "products.scorecard_saved", _("Scorecard saved")
    PRESCREEN_RUN = "products.prescreen", _("Customer pre-screened")
    REVIEW_REQUESTED = "products.review_requested", _("Human review requested")
    REVIEW_RESOLVED = "products.review_resolved", _("Human review done")
    DISCLOSURE_PRINTED = "products.disclosure", _("Cost disclosure printed")
    CREDIT_AUTHORISED = "customer.credit_authorised", _("Credit query authorised")
    CREDIT_AUTHORISATION_REVOKED = (
        "customer.credit_authorisation_revoked",
        _("Credit query authorisation revoked"),
    )
    CREDIT_VIEWED = "customer.credit_viewed", _("Credit report viewed")
    CREDIT_REFUSED = "customer.credit_refused", _("Credit report view refused")
    CREDIT_LOG_EXPORTED = "customer.credit_log_exported", _("Credit-query log exported")
    CONTRACT_TEMPLATE_UPLOADED = (
        "contract.template_uploaded",
        _("Contract template uploaded"),
    )
    CONTRACT_SETTINGS_CHANGED = (
        "contract.settings_changed",
        _("Contract numbering changed"),
    )
    CONTRACT_GENERATED = "contract.generated", _("Contract generated")
    CONTRACT_REGENERATED = "contract.regenerated", _("Contract regenerated")
    CONTRACT_SENT = "contract.sent", _("Contract sent")
    CONTRACT_SIGNED = "contract.signed", _("Contract signed")
    CONTRACT_VOIDED = "contract.voided", _("Contract voided")
    CONTRACT_DOWNLOADED = "contract.downloaded", _("Contract downloaded")
    FINANCE_RECEIVABLE_CREATED = "finance.receivable_created", _("Receivable created")
    FINANCE_RECEIPT_RECORDED = "finance.receipt_recorded", _("Receipt recorded")
    FINANCE_REFUND_RECORDED = "finance.refund_recorded", _("Refund recorded")
    FINANCE_WRITEOFF_RECORDED = "finance.writeoff_recorded", _("Fee written off")
    FINANCE_EXPENSE_RECORDED = "finance.expense_recorded", _("Other expense recorded")
    FINANCE_ACCOUNT_ADDED = "finance.account_added", _("Receiving account added")
    FINANCE_ACCOUNT_CHANGED = (
        "finance.account_changed",
        _("Receiving account switched on or off"),
    )
    FINANCE_POLICY_CHANGED = "finance.policy_changed", _("Finance settings changed")
    FINANCE_MONTH_CLOSED = "finance.month_closed", _("Month closed")
    NOTIFY_CHANNEL_CHANGED = "notify.channel_changed", _("Message channel changed")
    NOTIFY_SMS_TEMPLATE_SAVED = "notify.sms_template_saved", _("SMS template saved")
    NOTIFY_SMS_TEMPLATE_DELETED = (
        "notify.sms_template_deleted",
        _("SMS template deleted"),
    )
    NOTIFY_PREFERENCES_SAVED = (
        "notify.preferences_saved",
        _("Notification preferences saved"),
    )
    NOTIFY_WECHAT_BOUND = "notify.wechat_bound", _("WeChat binding changed")
    NOTIFY_OUTBOX_RETRIED = "notify.outbox_retried", _("Message sent again")
    NOTIFY_CHANNEL_TESTED = "notify.channel_tested", _("Test message sent")
    TELEPHONY_CALL_STARTED = "telephony.call_started", _("Call started")
    TELEPHONY_CALL_REFUSED = "telephony.call_refused", _("Call refused")
    TELEPHONY_CALL_NOTED = "telephony.call_noted", _("Call result recorded")
    TELEPHONY_RECORDING_PLAYED = (
        "telephony.recording_played",
        _("Call recording played"),
    )
    TELEPHONY_RECORDING_DOWNLOADED = (
        "telephony.recording_downloaded",
        _("Call recording downloaded"),
    )
    TELEPHONY_SETTINGS_CHANGED = (
        "telephony.settings_changed",
        _("Calling settings changed"),
    )
    TELEPHONY_NUMBER_ADDED = "telephony.number_added", _("Caller line added")
    TELEPHONY_NUMBER_CHANGED = "telephony.number_changed", _("Caller line changed")
    TELEPHONY_NUMBER_BENCHED = "telephony.number_benched", _("Caller line benched")
    TELEPHONY_DNC_ADDED = "telephony.dnc_added", _("Put on the do-not-call list")
    TELEPHONY_DNC_REMOVED = "telephony.dnc_removed", _("Taken off the do-not-call list")
    TELEPHONY_STATS_EXPORTED = (
        "telephony.stats_exported",
        _("Call statistics exported"),
    )
    ORDER_OPENED = "order.opened", _("Order opened")
    ORDER_UPDATED = "order.updated", _("Order changed")
    ORDER_MOVED = "order.moved", _("Order moved")
    ORDER_OVERDUE = "order.overdue", _("Order step overdue")
    ORDER_HANDED_OVER = "order.handed_over", _("Order handed over")
    ORDER_OWNER_FOLLOWED = (
        "order.owner_followed",
        _("Order followed its customer to a new owner"),
    )
    WORKFLOW_CREATED = "orders.workflow_created", _("Workflow created")
    WORKFLOW_DRAFTED = "orders.workflow_drafted", _("Workflow draft started")
    WORKFLOW_DISCARDED = "orders.workflow_discarded", _("Workflow draft discarded")
    WORKFLOW_NODE_ADDED = "orders.workflow_node_added", _("Workflow step added")
    WORKFLOW_NODE_CHANGED = "orders.workflow_node_changed", _("Workflow step changed")
    WORKFLOW_NODE_REMOVED = "orders.workflow_node_removed", _("Workflow step removed")
    WORKFLOW_REORDERED = "orders.workflow_reordered", _("Workflow steps reordered")
    WORKFLOW_PUBLISHED = "orders.workflow_published", _("Workflow published")
    SUBMISSION_CREATED = "orders.submission_created", _("Submitted to a funder")
    SUBMISSION_DECIDED = "orders.submission_decided", _("Funder's decision recorded")
    SUBMISSION_WITHDRAWN = "orders.submission_withdrawn", _("Submission withdrawn")
    DISBURSED = "orders.disbursed", _("Disbursement recorded")
    INSTALMENT_PAID = "orders.instalment_paid", _("Instalment marked repaid")
    FUND_USE_CHECKED = "orders.fund_use_checked", _("Fund-use check recorded")
    MATURITY_FLAGGED = "orders.maturity_flagged", _("Loan maturity flagged")
    WARRANT_TASK_CREATED = "warrant.task_created", _("Warrant task created")
    WARRANT_TASK_UPDATED = "warrant.task_updated", _("Warrant task changed")
    CUSTODY_RECEIVED = "custody.received", _("Original received into custody")
    CUSTODY_MOVED = "custody.moved", _("Original moved")
    CUSTODY_CHECKED_OUT = "custody.checked_out", _("Original checked out")
    CUSTODY_CHECKED_IN = "custody.checked_in", _("Original checked back in")
    CUSTODY_RETURNED = "custody.returned", _("Original returned to the customer")
    CONVERSION_SETTINGS = (
        "acquisition.conversion_settings",
        _("Conversion feedback settings saved"),
    )
    CONVERSION_SECRET = (
        "acquisition.conversion_secret",
        _("Conversion feedback secret issued"),
    )
    CONVERSION_RETRIED = (
        "acquisition.conversion_retried",
        _("Conversion callback sent again"),
    )
    ANALYTICS_DRILL_EXPORTED = (
        "analytics.drill_exported",
        _("Figures behind a dashboard number exported"),
    )
    ANALYTICS_FACTS_REBUILT = "analytics.facts_rebuilt", _("Dashboard figures rebuilt")
    ANALYTICS_DASHBOARD_EXPORTED = (
        "analytics.dashboard_exported",
        _("Dashboard table exported"),
    )


class AuditEvent(TenantModel):
    """Append-only, hash-chained per tenant: each row's hash (an HMAC under a key kept
    off the database) covers its content and the previous row's hash, so an edited,
    inserted or deleted row breaks the chain."""

    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=16, default="ok")
    reason = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    client = models.CharField(max_length=16, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "seq"], name="audit_tenant_seq_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "action", "seq"], name="audit_tenant_action"
            ),
            models.Index(fields=["tenant", "actor", "seq"], name="audit_tenant_actor"),
        ]

    def __str__(self) -> str:
        return "#%s %s" % (self.seq, self.action)


class AuditChainHead(TenantModel):
    """The last sequence number and hash of a tenant's chain; its row is the lock.

    Rows up to ``legacy_seq`` were hashed before the chain was keyed (plain SHA-256);
    ``legacy_seal``, an HMAC under the chain key, fixes that cut-over (audit.chainkey).
    """

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    legacy_seq = models.PositiveBigIntegerField(default=0)
    legacy_seal = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="audit_head_tenant_uniq")
        ]

    def __str__(self) -> str:
        return "%s@%s" % (self.tenant_id, self.seq)


class AuditStaged(TenantModel):
    """An audit entry written during a web request, chained when the request ends.

    Appending to the chain locks the firm's chain head until commit; staging keeps that
    lock out of the request's own work (a claim, its serialisation) so concurrent
    requests of one firm do not queue behind each other. A staged row lives and dies
    with the request's transaction and its savepoints, exactly like the change it
    records; the request moves it into the chain just before it commits."""

    payload = models.JSONField()
    created_at = models.DateTimeField()
