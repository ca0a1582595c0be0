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
