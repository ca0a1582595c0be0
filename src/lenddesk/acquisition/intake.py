"""Traffic-platform intake without writes: signatures, the customer field catalogue,
and turning a platform's JSON into customer values with field errors (phone and ID
numbers included, so bad input is answered 400 before the lead is queued)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.customers.models import CustomField
from lenddesk.security.crypto import normalize_mobile, validate_national_id
from lenddesk.security.text import clean_text

TIMESTAMP_WINDOW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024
TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9._:\-]{1,120}")

# Customer fields a platform field can be mapped to (the catalogue), with their labels.
# ``custom_<key>`` targets for the firm's own custom fields are added at run time.
CATALOGUE = {
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Mobile phone"),
    "id_number": gettext_lazy("National ID number"),
    "city": gettext_lazy("City"),
    "company_name": gettext_lazy("Company"),
    "demand_amount": gettext_lazy("Amount wanted"),
    "demand_term_months": gettext_lazy("Term (months)"),
    "demand_purpose": gettext_lazy("Purpose of the loan"),
    "monthly_income": gettext_lazy("Monthly income"),
    "rating": gettext_lazy("Intent rating"),
    "credit_notes": gettext_lazy("Notes"),
    "campaign": gettext_lazy("Campaign"),
    "has_house": gettext_lazy("Owns a house"),
    "has_car": gettext_lazy("Owns a car"),
    "consent_version": gettext_lazy("Consent: privacy-notice version"),
    "consent_at": gettext_lazy("Consent: time agreed"),
    "consent_ip": gettext_lazy("Consent: IP address"),
    "consent_ref": gettext_lazy("Consent: evidence reference"),
}
TEXT_LIMITS = {
    "name": 80,
    "city": 40,
    "company_name": 120,
    "demand_purpose": 120,
    "credit_notes": 2000,
    "campaign": 80,
    "consent_version": 40,
    "consent_ref": 300,
    "phone": 40,
    "id_number": 40,
}
MONEY = {"demand_amount": Decimal("999999999999.99"), "monthly_income": None}
BOOLEANS = ("has_house", "has_car")
MULTILINE = frozenset({"credit_notes"})
CONSENT = ("consent_version", "consent_at", "consent_ip", "consent_ref")

# Used when an integration maps nothing itself; its own mapping overrides these.
DEFAULT_MAPPING = {
    **{name: name for name in CATALOGUE if not name.startswith("consent_")},
    "mobile": "phone",
    "amount": "demand_amount",
    "term_months": "demand_term_months",
    "purpose": "demand_purpose",
    "income": "monthly_income",
    "consent.notice_version": "consent_version",
    "consent.agreed_at": "consent_at",
    "consent.ip": "consent_ip",
    "consent.evidence": "consent_ref",
}


def new_key(tenant_slug: str) -> str:
    """Public key of an integration; the firm is read from it (``<slug>.<random>``)."""
    return "%s.%s" % (tenant_slug, secrets.token_urlsafe(18))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


KEY_RE = re.compile(r"([a-z][a-z0-9-]{1,39})\.[A-Za-z0-9_-]{8,40}")


def tenant_slug_of(key: str) -> str:
    """The firm's slug from a well-formed key, else an empty string."""
    match = KEY_RE.fullmatch(key or "")
    return match.group(1) if match else ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``timestamp + "." + body`` — what integrators compute."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def timestamp_wellformed(raw: str) -> bool:
    return bool(TIMESTAMP_RE.fullmatch(raw or ""))


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    given = (signature or "").strip().lower()
    if given.startswith("sha256="):
        given = given[len("sha256=") :]
    if not timestamp_wellformed(timestamp) or not given.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), given)


def timestamp_fresh(raw: str, now: float | None = None) -> bool:
    """Within five minutes either side of now (clocks drift both ways)."""
    if not timestamp_wellformed(raw):
        return False
    now = timezone.now().timestamp() if now is None else now
    return abs(now - int(raw)) <= TIMESTAMP_WINDOW_SECONDS


def catalogue(*, custom: bool = True) -> dict[str, str]:
    """Mapping targets: the fixed catalogue plus (unless ``custom`` is false) the
    firm's custom fields."""
    targets = {k: str(v) for k, v in CATALOGUE.items()}
    if not custom:
        return targets
    for custom in CustomField.objects.all():
        targets["custom_%s" % custom.key] = str(custom.label)
    return targets


FIXED_TARGETS = frozenset(CATALOGUE)


def target_names(*, custom: bool) -> frozenset[str]:
    """The names a mapping may target (``catalogue`` without the labels, which
    screening a delivery does not need)."""
    if not custom:
        return FIXED_TARGETS
    keys = CustomField.objects.values_list("key", flat=True)
    return FIXED_TARGETS | {"custom_%s" % key for key in keys}


def effective_mapping(mapping: dict | None) -> dict[str, str]:
    return {**DEFAULT_MAPPING, **(mapping or {})}


def _lookup(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@dataclass
class MappedLead:
    data: dict = field(default_factory=dict)
    phone: str = ""
    id_number: str = ""
    custom_fields: dict = field(default_factory=dict)
    consent: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    source_of: dict = field(default_factory=dict)  # customer field -> platform field

    @property
    def has_consent(self) -> bool:
        return bool(self.consent.get("consent_version") and self.consent.get("at"))

    def platform_errors(self, errors: dict) -> dict:
        """Errors keyed by the integrator's own field names."""
        named: dict[str, list[str]] = {}
        for key, messages in errors.items():
            target = key.removeprefix("custom_") if key.startswith("custom_") else key
            name = self.source_of.get(key) or self.source_of.get(target) or key
            named.setdefault(name, []).extend(str(m) for m in messages)
        return named


def _text(value, limit: int, *, multiline: bool = False) -> str:
    """Text as a customer field takes it: invisible display-changing characters
    removed; a lone surrogate or a control character refused here, while the
    platform waits, rather than by the worker after the 202."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(_("Send text."))
    try:
        text = clean_text(str(value), multiline=multiline)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None
    if len(text) > limit:
        raise ValueError(_("Use at most %d characters.") % limit)
    return text


def _money(value, limit) -> Decimal | None:
    if value in ("", None):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(_("Send a number."))
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValueError(_("Send a number such as 50000 or 50000.00.")) from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > (limit or Decimal("9999999999.99"))
    ):
        raise ValueError(
            _("Send an amount between 0 and %s.") % (limit or "9999999999.99")
        )
    return amount


def _whole(value, high: int) -> int | None:
    if value in ("", None):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Send a whole number."))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(_("Send a whole number.")) from None
    if number < 0 or number > high:
        raise ValueError(_("Send a number between 0 and %d.") % high)
    return number


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "是", "有"):
        return True
    if text in ("0", "false", "no", "n", "否", "无", "", "none"):
        return False
    raise ValueError(_("Send true or false."))


def _moment(value) -> dt.datetime:
    if isinstance(value, bool):
        raise ValueError(_("Send an ISO 8601 time or unix seconds."))
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        try:
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(_("Send an ISO 8601 time or unix seconds.")) from None
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_("Send an ISO 8601 time or unix seconds.")) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
    raise ValueError(_("Send an ISO 8601 time or unix seconds."))


def map_payload(payload: dict, mapping: dict | None, targets: dict) -> MappedLead:
    """Apply an integration's mapping; every problem is named by the platform field."""
    lead = MappedLead()
    mapping = mapping or {}
    pairs = list(mapping.items()) + [
        (source, target)
        for source, target in DEFAULT_MAPPING.items()
        if source not in mapping
    ]
    for source, target in pairs:
        if target not in targets:
            continue
        value = _lookup(payload, source)
        if value is None or target in lead.source_of:
            continue
        lead.source_of[target] = source
        try:
            _assign(lead, target, value)
        except ValueError as exc:
            lead.errors.setdefault(source, []).append(str(exc))
    if "name" not in lead.data and "name" not in lead.errors:
        lead.errors[lead.source_of.get("name", "name")] = [
            _("Send the customer's name.")
        ]
    phone_source = lead.source_of.get("phone", "phone")
    if not lead.phone and not lead.id_number and phone_source not in lead.errors:
        lead.errors.setdefault(phone_source, []).append(
            _("Send a mobile phone or an ID number.")
        )
    return lead


def _personal(target: str, value) -> str:
    """A phone or ID number, checked as the customer record will check it, so a bad
    one is refused while the platform waits instead of after the answer."""
    text = _text(value, TEXT_LIMITS[target])
    if text:
        check = normalize_mobile if target == "phone" else validate_national_id
        try:
            check(text)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
    return text


def _assign(lead: MappedLead, target: str, value) -> None:
    if target in ("phone", "id_number"):
        setattr(lead, target, _personal(target, value))
    elif target.startswith("custom_"):
        lead.custom_fields[target.removeprefix("custom_")] = _text(
            value, 200, multiline=True
        )
    elif target in MONEY:
        lead.data[target] = _money(value, MONEY[target])
    elif target == "demand_term_months":
        lead.data[target] = _whole(value, 600)
    elif target in BOOLEANS:
        lead.data[target] = _flag(value)
    elif target == "rating":
        rating = _text(value, 1).upper() if value != "" else ""
        if rating and rating not in ("A", "B", "C", "D"):
            raise ValueError(_("Send A, B, C or D."))
        lead.data[target] = rating
    elif target == "consent_at":
        lead.consent["at"] = _moment(value)
    elif target == "consent_ip":
        from django.core.validators import validate_ipv46_address

        ip = _text(value, 45)
        try:
            validate_ipv46_address(ip)
        except Exception:
            raise ValueError(_("Send an IPv4 or IPv6 address.")) from None
        lead.consent["ip"] = ip
    elif target in CONSENT:
        lead.consent[target] = _text(value, TEXT_LIMITS[target])
    else:
        multiline = target in MULTILINE
        text = _text(value, TEXT_LIMITS.get(target, 200), multiline=multiline)
        if target == "name" and not text:
            raise ValueError(_("Send the customer's name."))
        lead.data[target] = text


def validate_mapping(raw) -> tuple[dict[str, str], list[str]]:
    """``platform field -> customer field`` pairs checked against the catalogue."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return {}, [
            _("The mapping must be a JSON object of platform field → customer field.")
        ]
    targets = catalogue()
    clean: dict[str, str] = {}
    for source, target in raw.items():
        if not isinstance(source, str) or not re.fullmatch(
            r"[A-Za-z0-9_.\-]{1,80}", source
        ):
            problems.append(_("“%s” is not a usable platform field name.") % source)
            continue
        if not isinstance(target, str) or target not in targets:
            problems.append(
                _("“%(source)s” maps to “%(target)s”, which is not a customer field.")
                % {"source": source, "target": target}
            )
            continue
        clean[source] = target
    return clean, problems
