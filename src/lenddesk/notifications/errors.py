from django.core.exceptions import ValidationError
from django.db.models import TextChoices


class ChannelError(TextChoices):
    """Error codes of the message channels (the API's ``error``)."""

    TEMPLATE_NO_SIGNATURE = "sms_signature_missing"
    TEMPLATE_NO_OPT_OUT = "sms_opt_out_missing"
    TEMPLATE_UNKNOWN_FIELD = "sms_template_field"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_PROVIDER = "unknown_provider"
    NOT_FAILED = "not_failed"


class ChannelAudit:
    """Audit codes (``<subject>.<verb>``)."""

    CONFIG_CHANGED = "notify.channel_changed"
    TEMPLATE_SAVED = "notify.sms_template_saved"
    TEMPLATE_DELETED = "notify.sms_template_deleted"
    PREFERENCES_SAVED = "notify.preferences_saved"
    WECHAT_BOUND = "notify.wechat_bound"
    RETRIED = "notify.outbox_retried"
    TESTED = "notify.channel_tested"


def field_error(field: str, message, code: str) -> ValidationError:
    """A refusal naming ``field`` that keeps its code (the dict form drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})
