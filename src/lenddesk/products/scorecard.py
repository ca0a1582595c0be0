"""Pre-screening: the firm's scorecard (versioned bands, hard rules and grades), how
a customer's facts score against it, and the stored pre-screen of one customer."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer
from lenddesk.products import selectors
from lenddesk.products.attributes import BOOL, CATALOGUE, INT, MONEY, customer_facts
from lenddesk.products.errors import ProductError
from lenddesk.products.models import PreScreen, Scorecard

HARD_RULES = {
    "invalid_id": lambda: _("No valid national ID number"),
    "under_18": lambda: _("Under 18"),
    "over_age": lambda: _("Older than the age limit"),
    "blacklisted": lambda: _("On the firm's blacklist"),
    "many_overdue": lambda: _("Too many overdue records"),
}
# The hard rules that take a whole-number limit, with the limit used when none is set.
HARD_RULE_LIMITS = {"over_age": 65, "many_overdue": 6}
DEFAULT_BANDS = [
    {"field": "age", "min": 22, "max": 35, "points": 15},
    {"field": "age", "min": 36, "max": 50, "points": 20},
    {"field": "age", "min": 51, "max": 60, "points": 10},
    {"field": "monthly_income", "min": "20000", "max": None, "points": 25},
    {"field": "monthly_income", "min": "10000", "max": "19999.99", "points": 20},
    {"field": "monthly_income", "min": "5000", "max": "9999.99", "points": 10},
    {"field": "has_house", "value": True, "points": 20},
    {"field": "has_car", "value": True, "points": 5},
    {"field": "provident_fund_months", "min": 12, "max": None, "points": 10},
    {"field": "social_security_months", "min": 12, "max": None, "points": 10},
    {"field": "overdue_count", "min": 0, "max": 0, "points": 10},
    {"field": "overdue_count", "min": 3, "max": None, "points": -20},
]
DEFAULT_HARD_RULES = [
    {"code": "invalid_id"},
    {"code": "under_18"},
    {"code": "over_age", "value": HARD_RULE_LIMITS["over_age"]},
    {"code": "blacklisted"},
    {"code": "many_overdue", "value": HARD_RULE_LIMITS["many_overdue"]},
]
DEFAULT_GRADES = [
    {"grade": "A", "min": 70},
    {"grade": "B", "min": 50},
    {"grade": "C", "min": 30},
    {"grade": "D", "min": -1000},
]


def scorecard_current() -> Scorecard:
    card = Scorecard.objects.order_by("-version").first()
    if card is None:
        card, _created = Scorecard.objects.get_or_create(
            version=1,
            defaults={
                "bands": DEFAULT_BANDS,
                "hard_rules": DEFAULT_HARD_RULES,
                "grades": DEFAULT_GRADES,
            },
        )
    return card


# --- Validation -----------------------------------------------------------------------


def _band_number(attribute, raw, where: str):
    if raw in (None, ""):
        return None
    try:
        number = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(
            _("%(where)s: “%(value)s” is not a number") % {"where": where, "value": raw}
        )
    if attribute.kind == INT:
        if number != number.to_integral_value():
            raise ValueError(
                _("%(where)s: “%(value)s” is not a whole number")
                % {"where": where, "value": raw}
            )
        return int(number)
    return str(number)


def _clean_band(band: dict, where: str) -> dict:
    """One band in its stored form, or ValueError with the message for the user."""
    attribute = CATALOGUE.get(str(band.get("field") or ""))
    if attribute is None:
        raise ValueError(
            _("%(where)s: unknown field “%(field)s”.")
            % {"where": where, "field": band.get("field") or ""}
        )
    try:
        points = int(str(band.get("points", "")).strip())
    except ValueError:
        raise ValueError(
            _("%(where)s: points must be a whole number.") % {"where": where}
        ) from None
    if attribute.kind == BOOL:
        value = band.get("value")
        if not isinstance(value, bool):
            value = str(value).lower() in ("1", "true", "yes", "on")
        return {"field": attribute.key, "value": value, "points": points}
    if attribute.kind not in (INT, MONEY):
        raise ValueError(
            _("%(where)s: %(label)s cannot be scored in bands.")
            % {"where": where, "label": attribute.label}
        )
    try:
        low = _band_number(attribute, band.get("min"), where)
        high = _band_number(attribute, band.get("max"), where)
    except ValueError as exc:
        raise ValueError("%s." % exc) from None
    if low is None and high is None:
        raise ValueError(
            _("%(where)s: give a lower or an upper bound.") % {"where": where}
        )
    if low is not None and high is not None and Decimal(str(high)) < Decimal(str(low)):
        raise ValueError(
            _("%(where)s: the upper bound is below the lower.") % {"where": where}
        )
    return {"field": attribute.key, "min": low, "max": high, "points": points}


def _clean_hard_rules(hard_rules, errors: list) -> list[dict]:
    clean = []
    for rule in hard_rules:
        code = rule.get("code")
        if code not in HARD_RULES:
            errors.append(_("Unknown hard rule “%(code)s”.") % {"code": code})
            continue
        entry = {"code": code}
        if code in HARD_RULE_LIMITS:
            try:
                entry["value"] = int(rule.get("value"))
            except (TypeError, ValueError):
                errors.append(
                    _("Hard rule “%(rule)s” needs a whole number.")
                    % {"rule": HARD_RULES[code]()}
                )
                continue
        clean.append(entry)
    return clean


def _clean_grades(grades, errors: list) -> list[dict]:
    clean = []
    for grade in grades:
        try:
            clean.append({"grade": str(grade["grade"])[:2], "min": int(grade["min"])})
        except (KeyError, TypeError, ValueError):
            errors.append(_("Each grade needs a name and a whole-number threshold."))
    return clean


def validate_scorecard(bands, hard_rules, grades) -> tuple[list, list, list]:
    errors, clean_bands = [], []
    for n, band in enumerate(bands, start=1):
        try:
            clean_bands.append(_clean_band(band, _("Band %(n)d") % {"n": n}))
        except ValueError as exc:
            errors.append(str(exc))
    clean_hard = _clean_hard_rules(hard_rules, errors)
    clean_grades = _clean_grades(grades, errors)
    if errors:
        raise ValidationError(
            {"scorecard": errors}, code=ProductError.INVALID_SCORECARD
        )
    clean_grades.sort(key=lambda g: -g["min"])
    return clean_bands, clean_hard, clean_grades


@transaction.atomic
def scorecard_save(
    *, actor: User, bands: list, hard_rules: list, grades: list, blacklist_tag: str = ""
) -> Scorecard:
    bands, hard_rules, grades = validate_scorecard(bands, hard_rules, grades)
    current = scorecard_current()
    card = Scorecard.objects.create(
        version=current.version + 1,
        bands=bands,
        hard_rules=hard_rules,
        grades=grades or DEFAULT_GRADES,
        blacklist_tag=(blacklist_tag or current.blacklist_tag).strip()[:30],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.SCORECARD_SAVED,
        target=card,
        changes={"version": card.version, "bands": bands, "hard_rules": hard_rules},
    )
    return card


# --- Scoring --------------------------------------------------------------------------


def _in_band(band: dict, value) -> bool:
    if "value" in band:
        return bool(value) is bool(band["value"])
    if value is None or value == "":
        return False
    number = Decimal(str(value))
    if band.get("min") is not None and number < Decimal(str(band["min"])):
        return False
    return band.get("max") is None or number <= Decimal(str(band["max"]))


def _hard_rule_hit(card: Scorecard, rule: dict, values: dict, tags: list[str]) -> bool:
    code, limit = rule["code"], rule.get("value")
    age = values.get("age")
    if code == "invalid_id":
        return not values.get("has_valid_id")
    if code == "under_18":
        return age is not None and age < 18
    if code == "over_age":
        return age is not None and age > (limit or HARD_RULE_LIMITS["over_age"])
    if code == "blacklisted":
        return card.blacklist_tag in tags
    overdue = values.get("overdue_count") or 0
    return overdue >= (limit or HARD_RULE_LIMITS["many_overdue"])


def score(
    card: Scorecard, values: dict, tags: list[str]
) -> tuple[list, int, str, bool]:
    """Lines, points, grade and whether a hard rule declined. Pure: also used to
    re-explain a stored pre-screen."""
    lines, points, declined = [], 0, False
    for rule in card.hard_rules:
        hit = _hard_rule_hit(card, rule, values, tags)
        lines.append(
            {
                "kind": "hard",
                "code": rule["code"],
                "value": rule.get("value"),
                "hit": hit,
            }
        )
        declined = declined or hit
    for band in card.bands:
        value = values.get(band["field"])
        hit = _in_band(band, value)
        if hit:
            points += band["points"]
        lines.append(
            {
                "kind": "band",
                **band,
                "actual": value,
                "hit": hit,
                "points": band["points"],
            }
        )
    grade = "D"
    if not declined:
        for step in card.grades:
            if points >= step["min"]:
                grade = step["grade"]
                break
    return lines, points, grade, declined


@transaction.atomic
def prescreen_run(*, actor: User, customer: Customer) -> PreScreen:
    card = scorecard_current()
    today = timezone.localdate()
    facts = customer_facts(
        customer, today=today, document_kinds=selectors.document_kinds_of(customer)
    )
    tags = list(customer.tags.values_list("name", flat=True))
    lines, points, grade, declined = score(card, facts["values"], tags)
    prescreen = PreScreen.objects.create(
        customer=customer,
        scorecard=card,
        actor=actor,
        inputs={**facts, "tags": tags, "on": today.isoformat()},
        lines=lines,
        points=points,
        grade=grade,
        declined=declined,
    )
    audit_record(
        actor=actor,
        action=AuditAction.PRESCREEN_RUN,
        target=customer,
        changes={
            "prescreen": prescreen.pk,
            "scorecard": card.version,
            "grade": grade,
            "points": points,
        },
    )
    return prescreen
