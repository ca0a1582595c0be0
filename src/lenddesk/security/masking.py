"""Masking of personal data for display: the one place every template, serializer,
export and notification calls.

Masks follow JR/T 0171 (financial personal information): mobile ``138****5678``, ID
``510104********1234``, name ``张*``/``张*丰``. Functions never raise: odd input (``None``,
short or malformed strings) gives a mask that still hides at least a third of the
characters, because a crash in a list view is worse than an ugly mask.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

STAR = "*"
_SEPARATORS = frozenset(" -()\u00a0\t")


class Sensitivity(TextChoices):
    """Data classification levels; C3 values are masked by default and revealed only
    with a permission, a purpose and an audit row."""

    PUBLIC = "C1", _("C1 public")
    INTERNAL = "C2", _("C2 internal")
    SENSITIVE = "C3", _("C3 sensitive personal information")


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        text = value if isinstance(value, str) else str(value)
        return unicodedata.normalize("NFKC", text).strip()
    except Exception:  # a mask must never break the page
        return ""


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in _SEPARATORS)


def _mask_middle(text: str, head: int, tail: int) -> str:
    """Keep up to ``head`` leading and ``tail`` trailing characters, star the rest.

    At least a third of the characters (and at least one) stay hidden; when the string
    is too short for that, the head shrinks first, then the tail. Four characters or
    fewer are hidden completely.
    """
    n = len(text)
    if n <= 4:
        return STAR * n
    visible = n - max(1, math.ceil(n / 3))
    tail_kept = min(tail, visible)
    head_kept = min(head, visible - tail_kept)
    hidden = n - head_kept - tail_kept
    return (
        text[:head_kept] + STAR * hidden + (text[n - tail_kept :] if tail_kept else "")
    )


def mask_phone(value: Any) -> str:
    """``+8613812345678`` or ``13812345678`` → ``138****5678`` (national form)."""
    text = _compact(_text(value))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("861"):
        text = text[2:]
    return _mask_middle(text, 3, 4)


def mask_national_id(value: Any) -> str:
    """``510104199001011234`` → ``510104********1234``: region kept, birth date hidden."""
    return _mask_middle(_compact(_text(value)).upper(), 6, 4)


def mask_name(value: Any) -> str:
    """``张`` → ``*``, ``张三`` → ``张*``, ``张三丰`` → ``张*丰``, ``欧阳娜娜`` → ``欧**娜``."""
    text = _text(value)
    n = len(text)
    if n == 0:
        return ""
    if n == 1:
        return STAR
    if n == 2:
        return text[0] + STAR
    return text[0] + STAR * (n - 2) + text[-1]


def mask_bank_card(value: Any) -> str:
    """``6222021234567890123`` → ``6222***********0123``: first 4 and last 4 kept."""
    return _mask_middle(_compact(_text(value)), 4, 4)


def mask_text(value: Any) -> str:
    """Free text of unknown shape: nothing of it, not even its length, is shown."""
    return STAR * 6 if _text(value) else ""


class FieldPolicy(NamedTuple):
    sensitivity: Sensitivity
    mask: Callable[[Any], str]


FIELD_POLICY: dict[str, FieldPolicy] = {
    "name": FieldPolicy(Sensitivity.INTERNAL, mask_name),
    "phone": FieldPolicy(Sensitivity.SENSITIVE, mask_phone),
    "national_id": FieldPolicy(Sensitivity.SENSITIVE, mask_national_id),
    "bank_card": FieldPolicy(Sensitivity.SENSITIVE, mask_bank_card),
    "text": FieldPolicy(Sensitivity.SENSITIVE, mask_text),
}


def mask(kind: str, value: Any) -> str:
    """Mask ``value`` by its kind; an unknown kind is treated as opaque text (fail
    closed: showing too little is a bug report, showing too much is a breach)."""
    policy = FIELD_POLICY.get(kind)
    return (policy.mask if policy else mask_text)(value)
