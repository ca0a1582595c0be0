"""Password rules beyond Django's: character classes (等保 profile) and a maximum length
(no silent truncation, ASVS 6.2.9)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    ]
    return sum(classes)


class ComplexityValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "Use at least %(n)d of: lowercase letters, uppercase letters, digits, "
                    "symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )
        username = getattr(user, "username", "") or ""
        if username and password.lower() == username.lower():
            raise ValidationError(
                _("The password must not be the username."), code="password_is_username"
            )

    def get_help_text(self):
        return _("Use at least %(n)d of: lowercase, uppercase, digits, symbols.") % {
            "n": self.min_classes
        }


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Use at most %(n)d characters.") % {"n": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("At most %(n)d characters.") % {"n": self.max_length}
