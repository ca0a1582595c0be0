from django.db.models import TextChoices
from django.utils.translation import gettext_lazy


class TenancyError(TextChoices):
    SLUG_TAKEN = "slug_taken"
    SEATS_BELOW_ACTIVE = "seats_below_active"
    INVALID_MODULES = "invalid_modules"


SUSPENDED_MESSAGE = gettext_lazy(
    "Your firm's account is suspended. Please contact the platform operator."
)
