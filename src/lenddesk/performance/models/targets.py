"""Targets (目标), KPI weights and manager-assigned tasks (任务).

A target is one number for one person (or one department) in one month for one
metric; an empty cell of the grid is a missing row. Counts are whole numbers, money is
yuan with two decimals; both are kept in one Decimal column. Actuals are never stored
here: they come from ``analytics.facts.fact_totals``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel

TARGET_VALUE = {"max_digits": 16, "decimal_places": 2}


class PersonTarget(TenantModel):
    """One person's target for one metric in one month."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    month = models.DateField(_("month"))  # always the first of the month
    metric = models.CharField(_("metric"), max_length=30)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("target"), **TARGET_VALUE)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["month", "user_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "month", "metric"],
                name="perf_person_target_uniq",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="perf_person_target_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "month"], name="perf_person_target_month")
        ]


class DepartmentTarget(TenantModel):
    """A department's target (its whole subtree) for one metric in one month."""

    month = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=30)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("target"), **TARGET_VALUE)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["month", "department_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "department", "month", "metric"],
                name="perf_dept_target_uniq",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="perf_dept_target_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "month"], name="perf_dept_target_month")
        ]


class KpiScheme(TenantModel):
    """The firm's KPI weights (one row per firm): percent per metric, adding up to
    100, and the cap on a metric's completion rate counted into the score."""

    weights = models.JSONField(_("weights"), default=dict)  # {"calls": 20, …}
    cap_percent = models.PositiveIntegerField(_("cap on completion (%)"), default=120)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="perf_kpi_scheme_uniq")
        ]


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", pgettext_lazy("task", "Done")


class Task(TenantModel):
    """A task a manager gives one person, with a due time; the assignee marks it
    done with a note. Reminders go out once the day before and once when overdue."""

    SCOPE_OWNER = "assignee"
    objects = ScopedManager()

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    due_at = models.DateTimeField(pgettext_lazy("task", "due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus, default=TaskStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("note"), max_length=500, blank=True)
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "status", "due_at"], name="perf_task_status_due"
            ),
            models.Index(
                fields=["tenant", "assignee", "status"], name="perf_task_assignee"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_at <= timezone.now()
