from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices


class CustomerError(TextChoices):
    ALREADY_CLAIMED = "already_claimed"
    CLAIM_LIMIT_REACHED = "claim_limit_reached"
    POOL_CAP_REACHED = "pool_cap_reached"
    COOLDOWN = "cooldown"
    DUPLICATE = "duplicate"
    NOT_OWNER = "not_owner"
    PROTECTED = "protected"
    LOCK_LIMIT = "lock_limit"
    EXPORT_SELF_APPROVAL = "export_self_approval"
    EXPORT_ALREADY_DECIDED = "export_already_decided"
    PHONE_HIDDEN = "phone_hidden"
    CREDIT_REPORT_GUARDED = "credit_report_guarded"
    ALREADY_REVOKED = "already_revoked"


class CustomerNotOwned(PermissionDenied):
    """A write to, or the history of, a public-pool customer: refused until someone
    claims it. Pages and API answer 403 with this message and ``not_owner``."""

    code = CustomerError.NOT_OWNER


class PhoneHidden(PermissionDenied):
    """An owner asking for their own customer's number where the firm's phone policy
    keeps numbers hidden (calls go through the system). Pages and API answer 403 with
    this message and ``phone_hidden``."""

    code = CustomerError.PHONE_HIDDEN


class CreditReportGuarded(CustomerNotOwned):
    """A credit report asked for through the ordinary document download: it opens
    only through the credit view, with an authorisation and a purpose, and every look
    is recorded. A kind of ``CustomerNotOwned`` only so that every page and API view
    that shows that refusal (403 with its message and code) shows this one too;
    the code is ``credit_report_guarded``."""

    code = CustomerError.CREDIT_REPORT_GUARDED
