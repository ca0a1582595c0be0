from django.db.models import TextChoices


class AccountError(TextChoices):
    SEATS_FULL = "seats_full"
    USERNAME_TAKEN = "username_taken"
    INVALID_CREDENTIALS = "invalid_credentials"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - an error code
    CANNOT_DISABLE_SELF = "cannot_disable_self"
    ROLE_NOT_FOUND = "role_not_found"
    ROLE_NOT_GRANTABLE = "role_not_grantable"
    OUTRANKS_YOU = "outranks_you"
    CANNOT_CHANGE_SELF = "cannot_change_self"
    STILL_IN_USE = "still_in_use"
