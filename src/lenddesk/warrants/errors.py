from django.db.models import TextChoices

from lenddesk.security.errors import refusal  # noqa: F401 - re-exported


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
