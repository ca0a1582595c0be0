"""Disbursement (放款): the loan paid out against the funder's approval, the account
it went to (encrypted, shown masked, revealed for a purpose) and its repayment
schedule.

The schedule's amounts come from the one engine, ``products.cost.schedule`` (exact
to the cent, half-up, the last instalment taking the remainder); this module only
gives each instalment its due date, month by month from the first, on the first
one's day of the month or the month's last day when it is shorter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.grants import refusal
from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record
from lenddesk.customers.services import timeline
from lenddesk.notifications.services import notify
from lenddesk.orders.errors import OrderError
from lenddesk.orders.loan_selectors import approved_submission, order_page_url
from lenddesk.orders.models import Disbursement, Instalment, Order
from lenddesk.orders.signals import disbursement_recorded
from lenddesk.orders.submissions import (
    CENT,
    RATE_MAX,
    RATE_STEP,
    TERM_MAX,
    ensure_order_open,
)
from lenddesk.products.cost import schedule
from lenddesk.products.models import RepaymentMethod
from lenddesk.security.services import reveal_field

DISBURSED = "orders.disbursed"
EARLIEST = dt.date(2000, 1, 1)
FIRST_DUE_WITHIN = dt.timedelta(days=366)
ACCOUNT = re.compile(r"[0-9]{6,32}")
ACCOUNT_SEPARATORS = re.compile(r"[\s-]+")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, on the same day of the month or the month's
    last day when it has fewer days (31 January + 1 → 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(first_due_on: dt.date, count: int) -> list[dt.date]:
    """Each counted from the first due date, so a short month never shifts the rest."""
    return [add_months(first_due_on, n) for n in range(count)]


@dataclass(frozen=True)
class ScheduleLine:
    number: int
    due_on: dt.date
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance: Decimal


def schedule_lines(
    *,
    amount: Decimal,
    term_months: int,
    annual_rate: Decimal,
    method: str,
    first_due_on: dt.date,
) -> list[ScheduleLine]:
    """The engine's schedule with due dates."""
    rows = schedule(
        amount=amount, term=term_months, annual_rate=annual_rate, method=method
    )
    dates = due_dates(first_due_on, len(rows))
    return [
        ScheduleLine(
            number=row.number,
            due_on=due_on,
            principal=row.principal,
            interest=row.interest,
            total=row.total,
            balance=row.balance,
        )
        for row, due_on in zip(rows, dates, strict=True)
    ]


def _check_account(bank, raw) -> dict[str, str]:
    errors = {}
    if not (bank or "").strip():
        errors["account_bank"] = _("Enter the receiving bank.")
    if not ACCOUNT.fullmatch(account_digits(raw)):
        errors["account_number"] = _(
            "Enter the receiving account number: 6 to 32 digits."
        )
    return errors


def account_digits(raw) -> str:
    return ACCOUNT_SEPARATORS.sub("", str(raw or ""))


def _check_amount(order: Order, amount) -> dict[str, str]:
    approval = approved_submission(order)
    if amount is None or not isinstance(amount, Decimal) or not amount.is_finite():
        return {"amount": _("Enter the amount disbursed.")}
    if amount <= 0:
        return {"amount": _("The amount disbursed must be more than zero.")}
    if approval is None:
        return {"amount": _("No funder has approved this order yet.")}
    if amount > approval.approved_amount:
        return {
            "amount": _("More than the %(amount)s yuan %(funder)s approved.")
            % {"amount": approval.approved_amount, "funder": approval.funder.name}
        }
    return {}


def _check_dates(disbursed_on, first_due_on) -> dict[str, str]:
    errors = {}
    today = timezone.localdate()
    if not isinstance(disbursed_on, dt.date) or not (EARLIEST <= disbursed_on <= today):
        errors["disbursed_on"] = _(
            "Enter the day the loan was paid out (not later than today)."
        )
    elif not isinstance(first_due_on, dt.date) or not (
        disbursed_on < first_due_on <= disbursed_on + FIRST_DUE_WITHIN
    ):
        errors["first_due_on"] = _(
            "The first repayment falls after the disbursement, within a year."
        )
    return errors


def _check_terms(annual_rate, term_months, method) -> dict[str, str]:
    errors = {}
    if (
        not isinstance(annual_rate, Decimal)
        or not annual_rate.is_finite()
        or not 0 <= annual_rate <= RATE_MAX
    ):
        errors["annual_rate"] = _("Enter the annual rate, 0 to 36 percent.")
    if (
        not isinstance(term_months, int)
        or isinstance(term_months, bool)
        or not 1 <= term_months <= TERM_MAX
    ):
        errors["term_months"] = _("Enter the term, 1 to 480 months.")
    if method not in RepaymentMethod.values:
        errors["method"] = _("Choose a repayment method.")
    return errors


def _as_decimal(value):
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return value


def _already_disbursed() -> ValidationError:
    return refusal(
        "amount",
        _("This order's disbursement is already recorded."),
        OrderError.ALREADY_DISBURSED,
    )


@transaction.atomic
def disbursement_record(
    *,
    actor: User,
    order: Order,
    amount,
    disbursed_on: dt.date,
    first_due_on: dt.date,
    annual_rate,
    term_months: int,
    method: str,
    account_bank: str,
    account_number: str,
) -> Disbursement:
    """Record the loan paid out and store its repayment schedule. Once per order."""
    ensure_order_open(order)
    if Disbursement.objects.filter(order=order).exists():
        raise _already_disbursed()
    amount, annual_rate = _as_decimal(amount), _as_decimal(annual_rate)
    errors = {
        **_check_amount(order, amount),
        **_check_dates(disbursed_on, first_due_on),
        **_check_terms(annual_rate, term_months, method),
        **_check_account(account_bank, account_number),
    }
    if errors:
        raise ValidationError(errors)
    amount = amount.quantize(CENT, ROUND_HALF_UP)
    annual_rate = annual_rate.quantize(RATE_STEP, ROUND_HALF_UP)
    disbursement = Disbursement(
        order=order,
        submission=approved_submission(order),
        amount=amount,
        disbursed_on=disbursed_on,
        first_due_on=first_due_on,
        annual_rate=annual_rate,
        term_months=term_months,
        method=method,
        account_bank=account_bank.strip()[:80],
        recorded_by=actor,
    )
    disbursement.set_secret("account_number", account_digits(account_number))
    try:
        with transaction.atomic():
            disbursement.save()
    except IntegrityError:  # recorded by someone else a moment ago
        raise _already_disbursed() from None
    lines = schedule_lines(
        amount=amount,
        term_months=term_months,
        annual_rate=annual_rate,
        method=method,
        first_due_on=first_due_on,
    )
    Instalment.objects.bulk_create(
        Instalment(disbursement=disbursement, **asdict(line)) for line in lines
    )
    _tell_about_disbursement(actor, disbursement, lines)
    disbursement_recorded.send(sender=None, disbursement=disbursement, actor=actor)
    return disbursement


def _tell_about_disbursement(
    actor: User, disbursement: Disbursement, lines: list[ScheduleLine]
) -> None:
    order = disbursement.order
    summary = _(
        "Order %(number)s disbursed: %(amount)s yuan, %(term)d months, %(method)s"
    ) % {
        "number": order.number,
        "amount": disbursement.amount,
        "term": disbursement.term_months,
        "method": RepaymentMethod(disbursement.method).label,
    }
    timeline(order.customer, actor, "order", summary)
    audit_record(
        actor=actor,
        action=DISBURSED,
        target=order,
        changes={
            "amount": disbursement.amount,
            "disbursed_on": disbursement.disbursed_on,
            "first_due_on": disbursement.first_due_on,
            "annual_rate": disbursement.annual_rate,
            "term_months": disbursement.term_months,
            "method": disbursement.method,
            "account_bank": disbursement.account_bank,
            "instalments": len(lines),
            "interest": sum((line.interest for line in lines), Decimal(0)),
        },
    )
    notify(
        recipients=[u for u in (order.owner, order.processor) if u != actor],
        kind="orders.disbursed",
        title=summary,
        url=order_page_url(order),
        target=order,
        dedupe_key="disbursed:%d" % order.pk,
    )


def disbursement_reveal_account(
    *, actor: User, disbursement: Disbursement, purpose: str
) -> str:
    """The full receiving account for a stated purpose (orders.reveal_account),
    audited either way by ``reveal_field``."""
    return reveal_field(
        actor=actor, instance=disbursement, field="account_number", purpose=purpose
    )
