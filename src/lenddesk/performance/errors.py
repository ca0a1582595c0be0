from django.core.exceptions import ValidationError
from django.db.models import TextChoices


class PerformanceError(TextChoices):
    """Error codes of targets, KPI weights and tasks (the API's ``error``)."""

    MONTH_INVALID = "month_invalid"
    TARGET_INVALID = "target_invalid"
    TARGET_NOT_ALLOWED = "target_not_allowed"
    NOTHING_TO_SPLIT = "nothing_to_split"
    WEIGHTS_INVALID = "weights_invalid"
    TASK_INVALID = "task_invalid"
    TASK_DONE = "task_already_done"


def refusal(field: str, message, code: str) -> ValidationError:
    """A ValidationError naming ``field`` whose code also reaches the API's
    ``error``."""
    return refusals({field: message}, code)


def refusals(fields: dict, code: str) -> ValidationError:
    """Several fields refused at once, with one code."""
    error = ValidationError(
        {f: [ValidationError(m, code=code)] for f, m in fields.items()}, code=code
    )
    error.code = code
    return error
