"""Error vocabulary of the security layer: codes carried by ``ValidationError`` and the
exception a view turns into HTTP 429."""

from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy


class SecurityError(TextChoices):
    PURPOSE_REQUIRED = "purpose_required"
    PURPOSE_TOO_LONG = "purpose_too_long"
    REVEAL_NOT_ALLOWED = "reveal_not_allowed"
    UNKNOWN_FIELD = "unknown_field"
    RATE_LIMITED = "rate_limited"
    INVALID_PHONE = "invalid_phone"
    INVALID_NATIONAL_ID = "invalid_national_id"
    KEY_IN_USE = "key_in_use"
    KEY_ACTIVE = "key_active"
    KEY_NOT_FOUND = "key_not_found"


class RateLimited(Exception):
    """Too many sensitive actions in the window; the view answers 429.

    ``retry_after`` (seconds) is the earliest moment one more attempt can succeed, for
    the ``Retry-After`` header.
    """

    code = SecurityError.RATE_LIMITED.value
    default_message = gettext_lazy(
        "You have revealed too many values in the last hour. Please try again later."
    )

    def __init__(self, message=None, *, retry_after: int | None = None):
        self.message = message if message is not None else self.default_message
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def refusal(field: str | None, message, code: str) -> ValidationError:
    """The one shape of a refused input: a ValidationError naming ``field`` (shown next
    to it on a page; ``None`` for the whole form) whose code also reaches the API's
    ``error`` (``web.errors.ERROR_STATUS``)."""
    error = ValidationError(
        {field: [ValidationError(message, code=code)]} if field else message,
        code=code,
    )
    error.code = code
    return error


def refusals(fields: dict, code: str) -> ValidationError:
    """Several fields refused at once, with one code."""
    error = ValidationError(
        {f: [ValidationError(m, code=code)] for f, m in fields.items()}, code=code
    )
    error.code = code
    return error
