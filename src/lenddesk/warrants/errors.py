from django.db.models import TextChoices


class WarrantError(TextChoices):
    TASK_CHANGED = "warrant_conflict"  # stale lock_version: 409
    NOT_IN_CUSTODY = "not_in_custody"
    ALREADY_OUT = "already_checked_out"
    ALREADY_RETURNED = "already_returned"
    RECEIPT_REQUIRED = "return_receipt_required"
