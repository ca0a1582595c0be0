"""The performance app's tables: targets, KPI weights and tasks (``targets``) and the
monthly reports (``reports``)."""

from .reports import *  # noqa: F403
from .reports import __all__ as _reports_all
from .targets import (
    DepartmentTarget,
    KpiScheme,
    PersonTarget,
    Task,
    TaskStatus,
)

__all__ = [
    "DepartmentTarget",
    "KpiScheme",
    "PersonTarget",
    "Task",
    "TaskStatus",
    *_reports_all,
]
