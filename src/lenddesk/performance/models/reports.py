"""The monthly report (月报): a one-page summary of a department (or the whole firm)
for one month — targets against actuals, channel ROI, the ranking — generated on the
1st for the month before and kept. Regenerating makes a new version; none is ever
replaced, so what was handed round on the 1st can always be shown again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantModel

__all__ = ["MonthlyReport", "ReportPdfState"]


class ReportPdfState(models.TextChoices):
    READY = "ready", _("PDF ready")
    UNAVAILABLE = "unavailable", _("PDF conversion is not installed")
    FAILED = "failed", _("PDF conversion failed")


class MonthlyReport(TenantModel):
    """One generation of one department's (``department`` empty: the whole firm's)
    report for one month: the printable HTML as it was, its totals and the PDF (kept
    encrypted in the private media folder, as contracts keep their files). Read
    through the departments the reader manages (``performance.reports``)."""

    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    department_name = models.CharField(_("department"), max_length=100, blank=True)
    month = models.DateField(_("month"))  # always the first of the month
    version = models.PositiveIntegerField(_("version"))
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(  # empty: the job of the 1st
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    html = models.TextField(editable=False)
    totals = models.JSONField(default=dict, editable=False)
    pdf_state = models.CharField(max_length=12, choices=ReportPdfState)
    pdf_name = models.CharField(max_length=40, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    pdf_size = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("monthly report")
        ordering = ["-month", "department_name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "department", "month", "version"],
                condition=Q(department__isnull=False),
                name="perf_report_dept_version_uniq",
            ),
            models.UniqueConstraint(
                fields=["tenant", "month", "version"],
                condition=Q(department__isnull=True),
                name="perf_report_firm_version_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-month"], name="perf_report_month_idx"),
        ]

    def __str__(self) -> str:
        return "%s %s v%d" % (
            self.department_name or gettext("Whole firm"),
            self.month.strftime("%Y-%m"),
            self.version,
        )
