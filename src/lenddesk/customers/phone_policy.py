"""The firm's phone policy (号码策略): what owning a customer gives with its number.

Under "show own" an owner reveals their own customer's phone with one click: no
purpose to type and no reveal permission needed, each view audited with the purpose
"own customer". Under "hidden" owners call through the system and never see the
number. Anyone else, and an owner whose role holds the reveal permission anyway,
keeps the purpose-gated reveal. The hourly reveal limit applies on every path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.errors import CustomerError, PhoneHidden
from lenddesk.customers.models import Customer, PhonePolicy
from lenddesk.customers.permissions import CustomerPermission
from lenddesk.customers.services.pool import pool_rules
from lenddesk.security.services import reveal_field

OWN_CUSTOMER_PURPOSE = gettext_noop("own customer")


class PhoneAccess(models.TextChoices):
    """What one person may do with one customer's phone; the API returns the value."""

    CLAIM_FIRST = "claim_first"
    SHOW_OWN = "show_own"
    WITH_PURPOSE = "with_purpose"
    HIDDEN = "hidden"
    MASKED = "masked"


def phone_policy() -> str:
    return pool_rules().phone_policy


def phone_access(
    *, actor: User, customer: Customer, policy: str | None = None
) -> PhoneAccess:
    if customer.owner_id is None:
        return PhoneAccess.CLAIM_FIRST
    is_owner = customer.owner_id == actor.pk
    policy = policy or phone_policy()
    if is_owner and policy == PhonePolicy.SHOW_OWN:
        return PhoneAccess.SHOW_OWN
    if actor.has_code(CustomerPermission.REVEAL_PHONE):
        return PhoneAccess.WITH_PURPOSE
    return PhoneAccess.HIDDEN if is_owner else PhoneAccess.MASKED


def own_customer_purpose() -> str:
    """The purpose recorded for a policy-granted reveal, in the firm's language, since
    the audit log shows purposes as they were written."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(OWN_CUSTOMER_PURPOSE)


def customer_reveal(
    *, actor: User, customer: Customer, field: str, purpose: str = ""
) -> str:
    """The customer's phone or ID number in clear, under the firm's phone policy.

    Not one transaction, as ``reveal_field``: a refusal's audit row must outlive the
    refusal.
    """
    access = phone_access(actor=actor, customer=customer) if field == "phone" else None
    if access == PhoneAccess.SHOW_OWN:
        return reveal_field(
            actor=actor,
            instance=customer,
            field=field,
            purpose=(purpose or "").strip() or own_customer_purpose(),
            granted=True,
        )
    if access == PhoneAccess.HIDDEN:
        _refuse_hidden(actor=actor, customer=customer)
    return reveal_field(actor=actor, instance=customer, field=field, purpose=purpose)


def _refuse_hidden(*, actor: User, customer: Customer) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.REVEAL_REFUSED,
            target=customer,
            changes={"field": "phone"},
            result="refused",
            reason=CustomerError.PHONE_HIDDEN.value,
        )
    raise PhoneHidden(
        gettext(
            "Your firm keeps customers' numbers hidden from their owners: calls go "
            "through the system once outbound calling is set up."
        )
    )
