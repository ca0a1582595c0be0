"""The values a customer record holds, checked the same way on every path (page,
API, import, intake): editable fields, text and number bounds, phone and ID number,
and the pinyin keys that make names searchable."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from lenddesk.customers.models import Customer
from lenddesk.security.crypto import national_id_facts
from lenddesk.security.text import clean_texts

EDITABLE = (
    "kind",
    "name",
    "company_name",
    "city",
    "demand_amount",
    "demand_term_months",
    "demand_purpose",
    "urgency",
    "has_house",
    "has_car",
    "has_life_policy",
    "provident_fund_months",
    "social_security_months",
    "has_business_licence",
    "monthly_income",
    "credit_notes",
    "channel",
    "campaign",
    "rating",
)

# Bounds of the numbers a customer record holds, whatever the path (page, API,
# import): the columns' own limits, so a value never reaches the database to fail.
AMOUNT_LIMITS = {
    "demand_amount": Decimal("999999999999.99"),
    "monthly_income": Decimal("9999999999.99"),
}
MONTH_LIMITS = {
    "demand_term_months": (1, 480),
    "provident_fund_months": (0, 600),
    "social_security_months": (0, 600),
}


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, so ``zs`` and ``zhangsan`` find 张三."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower()[:200], "".join(initials).lower()[:40]


def clean_values(data: dict) -> dict:
    """The editable fields of ``data``, cleaned and bounded; errors name the field."""
    values = {k: data[k] for k in EDITABLE if k in data}
    text_errors = clean_texts(values, multiline={"credit_notes"})
    if text_errors:
        raise ValidationError(text_errors)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ValidationError({"name": _("Enter the customer's name.")})
    errors: dict[str, str] = {}
    for field, value in values.items():
        limit = _text_limit(field)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[field] = _("At most %(n)d characters.") % {"n": limit}
    _clean_numbers(values, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _clean_numbers(values: dict, errors: dict[str, str]) -> None:
    for money, highest in AMOUNT_LIMITS.items():
        if values.get(money) is not None:
            try:
                values[money] = _amount(values[money], highest)
            except ValidationError as exc:
                errors[money] = exc.messages[0]
    for months, (lowest, highest) in MONTH_LIMITS.items():
        if values.get(months) is not None:
            try:
                values[months] = _whole_number(values[months], lowest, highest)
            except ValidationError as exc:
                errors[months] = exc.messages[0]


def _text_limit(field: str) -> int | None:
    limit = Customer._meta.get_field(field).max_length
    return 2000 if field == "credit_notes" else limit


def _amount(raw, highest: Decimal) -> Decimal:
    """A money value of 0 up to ``highest``, in fen; NaN and Infinity are refused."""
    try:
        amount = Decimal(str(raw).strip())
    except ArithmeticError:
        raise ValidationError(_("Enter an amount such as 50000 or 1234.56.")) from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 50000 or 1234.56."))
    if amount < 0:
        raise ValidationError(_("Enter an amount of 0 or more."))
    if amount > highest:
        raise ValidationError(
            _("Enter an amount of at most %(n)s.") % {"n": format(highest, ",f")}
        )
    return amount.quantize(Decimal("0.01"))


def _whole_number(raw, lowest: int, highest: int) -> int:
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise ValidationError(_("Enter a whole number.")) from None
    if not lowest <= number <= highest:
        raise ValidationError(
            _("Enter a number from %(low)d to %(high)d.")
            % {"low": lowest, "high": highest}
        )
    return number


def apply_personal(customer: Customer, *, phone, id_number) -> None:
    """Encrypt and blind-index the phone and ID number (``None`` keeps a value, ``""``
    clears it); the ID number also gives the birth date and gender."""
    errors: dict[str, list[str]] = {}
    for name, value in (("phone", phone), ("id_number", id_number)):
        if value is None:
            continue
        try:
            customer.set_secret(name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    if id_number:
        customer.birth_date, customer.gender = national_id_facts(
            customer.get_secret("id_number")
        )
    elif id_number == "":
        customer.birth_date, customer.gender = None, ""
