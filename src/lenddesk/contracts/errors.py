from django.core.exceptions import ValidationError
from django.db.models import TextChoices


class ContractError(TextChoices):
    """Error codes of contracts and their templates (the API's ``error``)."""

    CHANGED = "conflict"  # someone changed the contract first: 409
    NOT_DOCX = "template_not_docx"
    MACRO = "template_has_macros"
    TEMPLATE_INVALID = "template_invalid"
    UNKNOWN_PLACEHOLDERS = "unknown_placeholders"
    NO_TEMPLATE = "no_template"
    RENDER_FAILED = "contract_render_failed"
    MOVE_NOT_ALLOWED = "contract_move_not_allowed"
    REASON_REQUIRED = "void_reason_required"
    SCAN_REQUIRED = "signed_scan_required"
    ID_NOT_REVEALED = "id_number_not_allowed"
    ORDER_CANCELLED = "contract_order_cancelled"
    PDF_MISSING = "pdf_unavailable"


def refusal(field: str | None, message, code: str) -> ValidationError:
    """A ValidationError naming ``field`` (shown next to it on a page) whose code also
    reaches the API's ``error``."""
    error = ValidationError(
        {field: [ValidationError(message, code=code)]} if field else message,
        code=code,
    )
    error.code = code
    return error
