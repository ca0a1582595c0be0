from django.db.models import TextChoices


class FinanceError(TextChoices):
    """Error codes of finance (the API's ``error``)."""

    FEE_BEFORE_APPROVAL = "fee_before_approval"
    ACCOUNT_NOT_REGISTERED = "account_not_registered"
    INVOICE_REQUIRED = "invoice_required"
    OVER_RECEIPT = "over_receipt"
    OVER_REFUND = "over_refund"
    NOTHING_OWED = "nothing_owed"
    MONTH_CLOSED = "month_closed"
    MONTH_NOT_OVER = "month_not_over"
    DUPLICATE_ACCOUNT = "duplicate_account"
    SCOPE_TOO_NARROW = "scope_too_narrow"
