from django.db.models import TextChoices

from lenddesk.security.errors import refusal, refusals  # noqa: F401 - re-exported


class PerformanceError(TextChoices):
    """Error codes of targets, KPI weights and tasks (the API's ``error``)."""

    MONTH_INVALID = "month_invalid"
    TARGET_INVALID = "target_invalid"
    TARGET_NOT_ALLOWED = "target_not_allowed"
    NOTHING_TO_SPLIT = "nothing_to_split"
    WEIGHTS_INVALID = "weights_invalid"
    TASK_INVALID = "task_invalid"
    TASK_DONE = "task_already_done"
