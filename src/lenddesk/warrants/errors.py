from django.core.exceptions import ValidationError
from django.db.models import TextChoices


class WarrantError(TextChoices):
    TASK_CHANGED = "warrant_conflict"  # stale lock_version: 409
    NOT_IN_CUSTODY = "not_in_custody"
    ALREADY_OUT = "already_checked_out"
    NOT_OUT = "not_checked_out"
    ALREADY_RETURNED = "already_returned"
    RECEIPT_REQUIRED = "return_receipt_required"
    TASK_CLOSED = "warrant_task_closed"  # done or cancelled: nothing more changes
    HANDLER_INVALID = "warrant_handler_invalid"
    ORDER_CLOSED = "warrant_order_closed"
    RECEIPT_NUMBER_INVALID = "receipt_number_invalid"


def refusal(field: str | None, message, code: str) -> ValidationError:
    """A ValidationError naming ``field`` (shown next to it on a page) whose code also
    reaches the API's ``error``."""
    error = ValidationError(
        {field: [ValidationError(message, code=code)]} if field else message,
        code=code,
    )
    error.code = code
    return error
