"""Every write of the performance app (the app itself imports the submodules)."""

from lenddesk.performance.services.kpi import kpi_save
from lenddesk.performance.services.targets import (
    targets_copy,
    targets_save,
    targets_split,
)
from lenddesk.performance.services.tasks import (
    task_create,
    task_done,
    task_reminders,
    tasks_done_bulk,
)

__all__ = [
    "kpi_save",
    "targets_copy",
    "targets_save",
    "targets_split",
    "task_create",
    "task_done",
    "task_reminders",
    "tasks_done_bulk",
]
