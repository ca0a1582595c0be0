"""Imports and exports of customers run by workers, with their rows and approvals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models.customers import Customer
from lenddesk.customers.models.pools import DuplicatePolicy
from lenddesk.tenancy.models import TenantModel


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
