from django.core.exceptions import ValidationError
from django.db.models import TextChoices


class CommissionError(TextChoices):
    """Error codes of commission plans, statements and payouts (the API's ``error``)."""

    PLAN_INVALID = "plan_invalid"
    SPLITS_NOT_100 = "splits_not_100"
    STATEMENT_LOCKED = "statement_locked"
    ALREADY_APPROVED = "already_approved"
    NOT_APPROVED = "statement_not_approved"
    NOTHING_TO_PAY = "nothing_to_pay"
    ALREADY_PAID = "already_paid"
    PAYEE_INCOMPLETE = "payee_incomplete"
    MONTH_INVALID = "month_invalid"


def refusal(field: str, message, code: str) -> ValidationError:
    """A ValidationError naming ``field`` (shown next to it on a page) whose code also
    reaches the API's ``error``."""
    error = ValidationError({field: [ValidationError(message, code=code)]}, code=code)
    error.code = code
    return error


def refusals(fields: dict, code: str) -> ValidationError:
    """Several fields refused at once, with one code."""
    error = ValidationError(
        {f: [ValidationError(m, code=code)] for f, m in fields.items()}, code=code
    )
    error.code = code
    return error
