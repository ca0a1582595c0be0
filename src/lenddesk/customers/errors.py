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


class CustomerNotOwned(PermissionDenied):
    """A write to, or the history of, a public-pool customer: refused until someone
    claims it. Pages and API answer 403 with this message and ``not_owner``."""

    code = CustomerError.NOT_OWNER


class PhoneHidden(PermissionDenied):
    """An owner asking for their own customer's number where the firm's phone policy
    keeps numbers hidden (calls go through the system). Pages and API answer 403 with
    this message and ``phone_hidden``."""

    code = CustomerError.PHONE_HIDDEN
