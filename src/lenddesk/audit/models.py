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


class AuditEvent(TenantModel):
    """Append-only, hash-chained per tenant: each row's hash covers its content and the
    previous row's hash, so an edited, inserted or deleted row breaks the chain."""

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
    """The last sequence number and hash of a tenant's chain; its row is the lock."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="audit_head_tenant_uniq")
        ]

    def __str__(self) -> str:
        return "%s@%s" % (self.tenant_id, self.seq)
