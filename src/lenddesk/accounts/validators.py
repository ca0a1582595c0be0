"""The rules for names people type: usernames and the names shown to colleagues.

One place, used by the services, so the web forms and the API accept exactly the same
input.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

username_validator = RegexValidator(
    r"^[A-Za-z0-9._@-]{2,80}\Z",
    _("Use 2–80 letters, digits or . _ - @ characters."),
    code="invalid_username",
)

# Cc: control characters (tab, newline, NUL, ESC …); Cf: invisible format characters
# (zero-width spaces and joiners, bidi overrides and isolates, BOM); Zl/Zp: line and
# paragraph separators; Co/Cs/Cn: private-use, surrogate and unassigned code points.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def has_hidden_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in _HIDDEN_CATEGORIES for ch in value)


def validate_visible_text(value: str) -> None:
    """A name shown to colleagues must look like what it is: no control characters and
    no invisible ones that reorder or hide text (bidi overrides, zero-width spaces)."""
    if has_hidden_characters(value):
        raise ValidationError(
            _("Remove control and invisible characters (e.g. zero-width spaces)."),
            code="hidden_characters",
        )


def clean_username(value: str) -> str:
    value = (value or "").strip()
    username_validator(value)
    return value


def clean_name(value: str, *, max_length: int) -> str:
    """A display, department or role name: trimmed, not empty, visible characters."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("This field is required."), code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("Use at most %(n)d characters.") % {"n": max_length}, code="max_length"
        )
    validate_visible_text(value)
    return value


def collect(errors: dict[str, list[str]], field: str, clean, *args, **kwargs):
    """Run ``clean``; on failure note its messages under ``field`` and return None."""
    try:
        return clean(*args, **kwargs)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return None


def raise_if_any(errors: dict[str, list[str]], code: str = "invalid") -> None:
    if errors:
        raise ValidationError(errors, code=code)
