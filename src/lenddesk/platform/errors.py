from django.db.models import TextChoices


class PlatformError(TextChoices):
    """Error codes of the operator console's services."""

    SLUG_TAKEN = "slug_taken"
    SEATS_BELOW_ACTIVE = "seats_below_active"
    INVALID_MODULES = "invalid_modules"
