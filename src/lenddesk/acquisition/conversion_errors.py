"""Error codes, audit codes and failure reasons of conversion feedback (回传)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ConversionError(TextChoices):
    """Codes of refusals (the API's ``error``; a refused field is named in
    ``fields``)."""

    INVALID = "invalid"
    CONFLICT = "conflict"  # 409: only a failed callback can be sent again


class ConversionAudit:
    """Audit codes (``<app>.<subject>``); the lead copies them into
    ``audit.models.AuditAction`` for their labels, the strings are the contract."""

    SETTINGS_SAVED = "acquisition.conversion_settings"
    SECRET_ISSUED = "acquisition.conversion_secret"  # noqa: S105 - an audit code
    RETRIED = "acquisition.conversion_retried"


class SendFailure(TextChoices):
    """Why an attempt did not deliver (``ConversionCallback.last_error``)."""

    HTTP_STATUS = "http_status", _("The platform answered with an error status")
    TIMEOUT = "timeout", _("The platform did not answer in time")
    NETWORK = "network", _("The platform could not be reached")
    TLS = "tls", _("The platform's certificate was refused")
    BLOCKED_ADDRESS = "blocked_address", _("The address is private or local")
    BAD_URL = "bad_url", _("The callback URL is not usable")
    DISABLED = "disabled", _("Conversion feedback is switched off")
    NO_SECRET = "no_secret", _("No signing secret has been issued")
    INTERNAL = "internal", _("Internal error")


def failure_label(code: str) -> str:
    """The failure as people read it (the row keeps the code)."""
    if not code:
        return ""
    try:
        return str(SendFailure(code).label)
    except ValueError:
        return str(SendFailure.INTERNAL.label)
