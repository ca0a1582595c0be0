"""Text people type or platforms send, made safe to store and to show.

Invisible characters that change how a name is displayed (bidi overrides and
isolates, zero-width spaces and joiners, the byte-order mark) let ``张三`` and
``张\u200b三`` pass as one person, or turn ``abc\u202eexe.txt`` into something else
on screen: they are removed. A lone surrogate (``"\\ud800"`` in JSON) cannot be
stored as UTF-8, and control characters have no place in a name or a note: both are
refused, naming the field.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

INVALID_CHARACTERS = "invalid_characters"

# Bidi marks, embeddings, overrides and isolates; zero-width space, joiners and
# word joiner; invisible operators; Mongolian vowel separator; byte-order mark.
_INVISIBLE = re.compile(
    "[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def has_lone_surrogate(text: str) -> bool:
    return bool(_SURROGATE.search(text))


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate shown as U+FFFD (for an error message)."""
    return _SURROGATE.sub("\ufffd", text)


def surrogate_message() -> str:
    return _("Remove the invalid character (a lone UTF-16 surrogate).")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without invisible display-changing characters, trimmed.

    Raises ValidationError (code ``invalid_characters``) for a lone surrogate, a
    control character, or a line break when ``multiline`` is false."""
    text = value.strip()
    if _SURROGATE.search(text):
        raise ValidationError(surrogate_message(), code=INVALID_CHARACTERS)
    if _CONTROL.search(text) or (not multiline and _LINE_BREAKS.search(text)):
        raise ValidationError(
            _("Remove the control characters (such as NUL or line breaks)."),
            code=INVALID_CHARACTERS,
        )
    return _INVISIBLE.sub("", text).strip()


def clean_texts(values: dict, *, multiline=frozenset()) -> dict[str, list[str]]:
    """``clean_text`` on every text value of ``values`` (in place), the fields in
    ``multiline`` keeping their line breaks; the refusals by field."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        try:
            values[name] = clean_text(value, multiline=name in multiline)
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


# A spreadsheet runs a cell that starts with one of these as a formula (CSV/Excel
# injection, SECURITY T43, ASVS 1.2.10); a leading apostrophe makes it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise_formula(value) -> str:
    """The cell as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
