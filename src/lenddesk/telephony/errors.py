from django.db.models import TextChoices


class TelephonyError(TextChoices):
    """Error codes of outbound calling (the API's ``error``). Every refusal of a
    call names its reason in the message the 拨打 button shows."""

    DO_NOT_CALL = "do_not_call"
    QUIET_HOURS = "quiet_hours"
    CUSTOMER_CAP = "customer_call_cap"  # 429
    USER_CAP = "user_call_cap"  # 429
    NO_NUMBER = "no_caller_number"  # 429
    NO_STAFF_PHONE = "no_staff_phone"
    NO_CUSTOMER_PHONE = "no_customer_phone"
    NOT_CONFIGURED = "telephony_not_configured"
    PROVIDER_FAILED = "provider_failed"  # 502
    BAD_SIGNATURE = "bad_signature"  # 401
    CALL_NOT_ENDED = "call_not_ended"
    ALREADY_NOTED = "call_already_noted"  # 409
