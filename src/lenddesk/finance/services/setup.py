"""The firm's registered accounts (对公收款账户) and fee policy (财务设置)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.finance.closing import lock_books
from lenddesk.finance.errors import FinanceError
from lenddesk.finance.models import FinancePolicy, FirmAccount
from lenddesk.finance.services.common import FinanceAudit, clean_money, refusal
from lenddesk.orders.disbursements import ACCOUNT, account_digits

NAME_MAX, BANK_MAX = 80, 80


def _clean_name(value, field: str, limit: int, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise refusal(field, message, "required")
    if len(text) > limit:
        raise refusal(field, _("At most %d characters.") % limit, "invalid")
    return text


@transaction.atomic
def account_add(*, actor, name, bank, account_number) -> FirmAccount:
    """Register an account in the firm's name; the number is stored encrypted."""
    name = _clean_name(name, "name", NAME_MAX, _("Enter the account name."))
    bank = _clean_name(bank, "bank", BANK_MAX, _("Enter the bank."))
    digits = account_digits(account_number)
    if not ACCOUNT.fullmatch(digits):
        raise refusal(
            "account_number",
            _("Enter the account number: 6 to 32 digits."),
            "invalid",
        )
    account = FirmAccount(name=name, bank=bank, account_tail=digits[-4:])
    account.created_by = actor
    account.set_secret("account_number", digits)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise refusal(
            "account_number",
            _("This account is already registered."),
            FinanceError.DUPLICATE_ACCOUNT,
        ) from None
    audit_record(
        actor=actor,
        action=FinanceAudit.ACCOUNT_ADDED,
        target=account,
        changes={
            "name": name,
            "bank": bank,
            "account": account.masked("account_number"),
        },
    )
    return account


@transaction.atomic
def account_set_active(*, actor, account: FirmAccount, active: bool) -> FirmAccount:
    """Stop (or resume) receiving into an account; its past receipts stay."""
    changed = (
        FirmAccount.objects.filter(pk=account.pk)
        .exclude(is_active=active)
        .update(is_active=active)
    )
    if changed:
        audit_record(
            actor=actor,
            action=FinanceAudit.ACCOUNT_CHANGED,
            target=account,
            changes={"is_active": active},
        )
    account.is_active = active
    return account


@transaction.atomic
def policy_update(*, actor, invoice_threshold) -> FinancePolicy:
    """Set the amount above which a receipt needs an invoice number (empty: never)."""
    threshold = None
    if invoice_threshold not in (None, ""):
        threshold = clean_money(invoice_threshold, "invoice_threshold", zero=True)
    policy = lock_books()
    before = policy.invoice_threshold
    policy.invoice_threshold = threshold
    policy.updated_by = actor
    policy.save(update_fields=["invoice_threshold", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action=FinanceAudit.POLICY_CHANGED,
        target=policy,
        changes={"invoice_threshold": [before, threshold]},
    )
    return policy
