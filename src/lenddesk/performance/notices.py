"""The notifications performance sends (kinds registered for the preference matrix)."""

from django.utils.translation import gettext_lazy as _

from lenddesk.notifications.kinds import register_kind

TASK_ASSIGNED = "performance.task_assigned"
TASK_DUE = "performance.task_due"
TASK_OVERDUE = "performance.task_overdue"

register_kind(TASK_ASSIGNED, _("A task is assigned to me"))
register_kind(TASK_DUE, _("A task is due tomorrow"))
register_kind(TASK_OVERDUE, _("A task is overdue"))
