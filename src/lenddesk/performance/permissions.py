from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

EVERYONE = ["performance.view"]
LEAD = ["performance.view", "performance.targets", "performance.tasks"]
MANAGER = ["performance.export", "performance.reports"]


@register_permissions(
    module="performance",
    grants={
        "general_manager": [*LEAD, *MANAGER, "performance.kpi"],
        "team_lead": [*LEAD, *MANAGER],
        "finance": [*EVERYONE, *MANAGER],
        "salesperson": EVERYONE,
        "telemarketer": EVERYONE,
        "processor": EVERYONE,
        "warrant_officer": EVERYONE,
    },
)
class PerformancePermission(TextChoices):
    VIEW = "performance.view", _("See targets, completion, rankings and my tasks")
    TARGETS = (
        "performance.targets",
        _("Set the targets of the people and departments I manage"),
    )
    KPI = "performance.kpi", _("Set the KPI weights")
    TASKS = "performance.tasks", _("Assign tasks to the people I manage")
    EXPORT = "performance.export", _("Export completion and rankings")
    REPORTS = (
        "performance.reports",
        _("See the monthly reports of the departments I manage"),
    )
