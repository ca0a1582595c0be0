from django.db.models import TextChoices


class OrderError(TextChoices):
    """Error codes of orders, workflows and loans (the API's ``error``)."""

    MOVED_BY_SOMEONE_ELSE = "order_conflict"  # stale lock_version: 409
    MOVE_NOT_ALLOWED = "move_not_allowed"
    WRONG_ROLE = "wrong_role"
    ORDER_CLOSED = "order_closed"
    FIELD_LOCKED = "field_locked"
    DOCUMENTS_MISSING = "documents_missing"
    NOT_SIGNED = "customer_not_signed"
    WORKFLOW_INVALID = "workflow_invalid"
    NO_PUBLISHED_WORKFLOW = "no_published_workflow"
    ALREADY_DECIDED = "already_decided"
    ALREADY_DISBURSED = "already_disbursed"
