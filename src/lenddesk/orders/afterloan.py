"""After-loan (贷后): instalments marked repaid, fund-use checks, and the daily run
that reminds owners of repayment days, flags overdue instalments and turns a loan
nearing maturity into a second-sale to-do.

There is no repayment feed from the funders: an instalment is repaid when someone
marks it so (audited); past its due date and not marked, it is overdue.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet, TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from lenddesk.accounts.grants import refusal
from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import FollowUpKind
from lenddesk.customers.services import followup_create, timeline
from lenddesk.customers.services.tagging import customer_tag_add
from lenddesk.notifications.services import message, notify, notify_all
from lenddesk.orders.loan_selectors import MATURITY_DAYS, order_page_url
from lenddesk.orders.models import (
    Disbursement,
    FundUseCheck,
    Instalment,
    Order,
    OrderStatus,
)

INSTALMENT_PAID = "orders.instalment_paid"
FUND_CHECKED = "orders.fund_use_checked"
MATURITY_FLAGGED = "orders.maturity_flagged"
# The flag a maturing loan puts on its customer (a second-sale opportunity).
RENEWAL_TAG = gettext_noop("Renewal opportunity")
REMIND_DAYS_AHEAD = 3
BATCH = 5000
ALREADY_PAID = "conflict"  # 409 in web.errors.ERROR_STATUS


class FundUseResult(TextChoices):
    AS_DECLARED = "as_declared", gettext_lazy("Used as declared")
    DEVIATED = "deviated", gettext_lazy("Not used as declared")
    UNVERIFIED = "unverified", gettext_lazy("Could not be verified")


@transaction.atomic
def instalment_mark_paid(
    *, actor: User, instalment: Instalment, paid_on: dt.date
) -> Instalment:
    """Record that the customer repaid this instalment on ``paid_on``. Once."""
    disbursement = instalment.disbursement
    if not isinstance(paid_on, dt.date) or not (
        disbursement.disbursed_on <= paid_on <= timezone.localdate()
    ):
        raise ValidationError(
            {
                "paid_on": _(
                    "Enter the day it was repaid: after the disbursement, not "
                    "later than today."
                )
            }
        )
    won = Instalment.objects.filter(pk=instalment.pk, paid_on__isnull=True).update(
        paid_on=paid_on, paid_by=actor, is_overdue=False
    )
    if not won:
        raise refusal(
            "paid_on", _("This instalment is already marked repaid."), ALREADY_PAID
        )
    instalment.refresh_from_db()
    order = disbursement.order
    audit_record(
        actor=actor,
        action=INSTALMENT_PAID,
        target=order,
        changes={
            "instalment": instalment.number,
            "due_on": instalment.due_on,
            "paid_on": paid_on,
            "total": instalment.total,
            "late": paid_on > instalment.due_on,
        },
    )
    timeline(
        order.customer,
        actor,
        "order",
        _("Instalment %(n)d of order %(number)s repaid on %(day)s")
        % {"n": instalment.number, "number": order.number, "day": paid_on},
    )
    return instalment


@transaction.atomic
def fund_use_check_record(
    *, actor: User, order: Order, checked_on: dt.date, result: str, note: str = ""
) -> FundUseCheck:
    """A check that the loan is used as the customer declared (贷后资金用途检查)."""
    disbursement = Disbursement.objects.filter(order=order).first()
    errors = {}
    if disbursement is None:
        errors["checked_on"] = _("The loan has not been disbursed yet.")
    elif not isinstance(checked_on, dt.date) or not (
        disbursement.disbursed_on <= checked_on <= timezone.localdate()
    ):
        errors["checked_on"] = _(
            "Enter the day of the check: after the disbursement, not later than today."
        )
    if result not in FundUseResult.values:
        errors["result"] = _("Choose the result of the check.")
    note = (note or "").strip()[:500]
    if result in (FundUseResult.DEVIATED, FundUseResult.UNVERIFIED) and not note:
        errors["note"] = _("Say what was found.")
    if errors:
        raise ValidationError(errors)
    check = FundUseCheck.objects.create(
        order=order, checked_on=checked_on, result=result, note=note, checked_by=actor
    )
    audit_record(
        actor=actor,
        action=FUND_CHECKED,
        target=order,
        changes={"checked_on": checked_on, "result": result, "note": note},
    )
    timeline(
        order.customer,
        actor,
        "order",
        _("Fund-use check of order %(number)s: %(result)s")
        % {"number": order.number, "result": FundUseResult(result).label},
    )
    return check


# --- the daily run ------------------------------------------------------------------


def _unpaid() -> QuerySet[Instalment]:
    return (
        Instalment.objects.filter(paid_on__isnull=True)
        .exclude(disbursement__order__status=OrderStatus.CANCELLED)
        .select_related("disbursement__order__owner", "disbursement__order__customer")
    )


def remind_repayments(*, today: dt.date, days_ahead: int = REMIND_DAYS_AHEAD) -> int:
    """Tell each owner, once per instalment, that one falls due within
    ``days_ahead`` days (to remind the customer)."""
    due = list(
        _unpaid()
        .filter(
            reminded_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=days_ahead),
        )
        .order_by("due_on", "id")[:BATCH]
    )
    if not due:
        return 0
    Instalment.objects.filter(
        pk__in=[i.pk for i in due], reminded_at__isnull=True
    ).update(reminded_at=timezone.now())
    notify_all(
        message(
            recipient=i.disbursement.order.owner,
            kind="orders.repayment_due",
            title=_(
                "%(customer)s repays %(total)s yuan on %(day)s (order %(number)s, "
                "instalment %(n)d)"
            )
            % _facts(i),
            url=order_page_url(i.disbursement.order),
            target=i.disbursement.order,
            dedupe_key="repayment-due:%d" % i.pk,
        )
        for i in due
    )
    return len(due)


def _facts(instalment: Instalment) -> dict:
    order = instalment.disbursement.order
    return {
        "customer": order.customer.name,
        "total": instalment.total,
        "day": instalment.due_on,
        "number": order.number,
        "n": instalment.number,
    }


def flag_overdue(*, today: dt.date) -> int:
    """Flag unpaid instalments past their due date, and tell the owner once."""
    late = list(
        _unpaid()
        .filter(due_on__lt=today, is_overdue=False)
        .order_by("due_on", "id")[:BATCH]
    )
    if not late:
        return 0
    Instalment.objects.filter(pk__in=[i.pk for i in late], paid_on__isnull=True).update(
        is_overdue=True
    )
    notify_all(
        message(
            recipient=i.disbursement.order.owner,
            kind="orders.instalment_overdue",
            title=_(
                "Overdue: %(customer)s has not repaid %(total)s yuan due on %(day)s "
                "(order %(number)s, instalment %(n)d)"
            )
            % _facts(i),
            url=order_page_url(i.disbursement.order),
            target=i.disbursement.order,
            dedupe_key="instalment-overdue:%d" % i.pk,
        )
        for i in late
    )
    return len(late)


def flag_maturing(*, today: dt.date, days: int = MATURITY_DAYS) -> int:
    """``days`` before a loan's last instalment: a second-sale to-do for the owner
    (a follow-up due on the customer) and a notification, once per loan."""
    loans = list(
        Disbursement.objects.filter(maturity_flagged_at__isnull=True)
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(last_due=Max("instalments__due_on"))
        .filter(last_due__gte=today, last_due__lte=today + dt.timedelta(days=days))
        .select_related("order__customer", "order__owner")
        .order_by("last_due", "id")[:BATCH]
    )
    flagged = 0
    for loan in loans:
        won = Disbursement.objects.filter(
            pk=loan.pk, maturity_flagged_at__isnull=True
        ).update(maturity_flagged_at=timezone.now())
        if won:
            _second_sale(loan, loan.last_due)
            flagged += 1
    return flagged


def _follow_up_at(customer) -> dt.datetime:
    """Tomorrow at ten, or the customer's own next follow-up when that is sooner."""
    now = timezone.now()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10)))
    planned = customer.next_followup_at
    return planned if planned and now < planned < at else at


def _second_sale(loan: Disbursement, last_due: dt.date) -> None:
    order = loan.order
    customer = order.customer
    text = _(
        "The loan of order %(number)s (%(amount)s yuan) ends on %(day)s: offer "
        "%(customer)s a renewal or a new loan."
    ) % {
        "number": order.number,
        "amount": loan.amount,
        "day": last_due,
        "customer": customer.name,
    }
    with translation.override("zh-hans"):  # tag names are the firm's data, in Chinese
        customer_tag_add(customer=customer, name=gettext(RENEWAL_TAG))
    if customer.owner_id:
        followup_create(
            actor=None,
            customer=customer,
            kind=FollowUpKind.OTHER,
            content=text,
            next_at=_follow_up_at(customer),
        )
    notify(
        recipients=[order.owner, customer.owner],
        kind="orders.loan_maturing",
        title=text,
        url=order_page_url(order),
        target=order,
        dedupe_key="loan-maturing:%d" % loan.pk,
    )
    audit_record(
        action=MATURITY_FLAGGED,
        target=order,
        changes={"last_due": last_due, "amount": loan.amount},
    )


def afterloan_run(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily after-loan pass of the current firm."""
    today = today or timezone.localdate()
    return {
        "reminded": remind_repayments(today=today),
        "overdue": flag_overdue(today=today),
        "maturing": flag_maturing(today=today),
    }
