from django.db.models import TextChoices

from lenddesk.security.errors import refusal, refusals  # noqa: F401 - re-exported


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
