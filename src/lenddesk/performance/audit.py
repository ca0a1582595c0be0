"""The audit actions of performance (the audit log's ``action``). The lead copies
them into ``audit.models.AuditAction`` for their labels; the strings are the
contract."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PerformanceAudit(TextChoices):
    TARGETS_SAVED = "performance.targets_saved", _("Targets saved")
    TARGETS_COPIED = "performance.targets_copied", _("Targets copied from last month")
    TARGETS_SPLIT = "performance.targets_split", _("Department target split")
    KPI_SAVED = "performance.kpi_saved", _("KPI weights saved")
    TASK_CREATED = "performance.task_created", _("Task assigned")
    TASK_DONE = "performance.task_done", _("Task marked done")
    EXPORTED = "performance.exported", _("Completion or ranking exported")
