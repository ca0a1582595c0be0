from django.db.models import TextChoices

from lenddesk.security.errors import refusal  # noqa: F401 - re-exported


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
