from django.db.models import TextChoices


class TenancyError(TextChoices):
    SLUG_TAKEN = "slug_taken"
    SEATS_BELOW_ACTIVE = "seats_below_active"
    INVALID_MODULES = "invalid_modules"
