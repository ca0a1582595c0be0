"""Pages of the loan side of an order: the loan page (the order page's loan sections
on their own, where a refused form shows again), the forms those sections post,
the printable schedule, the after-loan list and the approval rates."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.orders import loan_selectors as selectors
from lenddesk.orders.afterloan import fund_use_check_record, instalment_mark_paid
from lenddesk.orders.disbursements import (
    disbursement_record,
    disbursement_reveal_account,
)
from lenddesk.orders.loan_forms import (
    DecisionForm,
    DisbursementForm,
    FundCheckForm,
    PaidForm,
    PeriodForm,
    RevealForm,
    SubmissionForm,
    WithdrawForm,
)
from lenddesk.orders.order_panels import loan_sections, reveal_context
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.selectors import order_get
from lenddesk.orders.submissions import (
    submission_create,
    submission_decide,
    submission_withdraw,
)
from lenddesk.products.models import RepaymentMethod
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit, reveal_response


def loan_page(request, order, *, bound=None, failed=None, status=200):
    """The loan sections of ``order``; ``failed`` is a refused form whose errors
    are also listed on top (its section may no longer show it)."""
    errors = []
    if failed is not None:
        errors = [str(e) for messages in failed.errors.values() for e in messages]
    return render(
        request,
        "orders/loan_page.html",
        {
            "order": order,
            "order_url": selectors.order_page_url(order),
            "panels": loan_sections(request, order, bound),
            "form_errors": errors,
        },
        status=status,
    )


class _OrderFormView(StaffView):
    """POST a form about one order: ``service(actor=, order=, **form data)``, then
    back to the order page, or the loan page again with the errors (400)."""

    form_class = None
    bound_key = ""
    success = ""
    service = None

    def subject(self) -> tuple:
        """The order, the service's keyword for what the form is about, and the
        key the refused form is shown again under."""
        order = order_get(actor=self.request.user, order_id=self.kwargs["order_id"])
        return order, {"order": order}, self.bound_key

    def post(self, request, **kwargs):
        order, about, bound_key = self.subject()
        form = self.form_class(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: self.service(actor=request.user, **about, **data),
            success=str(self.success),
            redirect_to=selectors.order_page_url(order),
        )
        return done or loan_page(
            request, order, bound={bound_key: form}, failed=form, status=400
        )


class _SubmissionFormView(_OrderFormView):
    """The same about one funder submission: ``service(actor=, submission=, …)``."""

    permissions = {"POST": (P.SUBMIT,)}

    def subject(self) -> tuple:
        submission = selectors.submission_get(
            actor=self.request.user, submission_id=self.kwargs["submission_id"]
        )
        bound_key = "%s-%d" % (self.bound_key, submission.pk)
        return submission.order, {"submission": submission}, bound_key


class OrderLoanView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        return loan_page(request, order)


class SubmissionCreateView(_OrderFormView):
    permissions = {"POST": (P.SUBMIT,)}
    form_class = SubmissionForm
    bound_key = "submission"
    success = gettext_lazy("Submitted to the funder.")
    service = staticmethod(submission_create)


class DisbursementRecordView(_OrderFormView):
    permissions = {"POST": (P.DISBURSE,)}
    form_class = DisbursementForm
    bound_key = "disbursement"
    success = gettext_lazy("Disbursement recorded and the repayment schedule made.")
    service = staticmethod(disbursement_record)


class FundCheckCreateView(_OrderFormView):
    permissions = {"POST": (P.DISBURSE,)}
    form_class = FundCheckForm
    bound_key = "fund_check"
    success = gettext_lazy("Fund-use check recorded.")
    service = staticmethod(fund_use_check_record)


class SubmissionDecideView(_SubmissionFormView):
    form_class = DecisionForm
    bound_key = "decide"
    success = gettext_lazy("The funder's answer is recorded.")
    service = staticmethod(submission_decide)


class SubmissionWithdrawView(_SubmissionFormView):
    form_class = WithdrawForm
    bound_key = "withdraw"
    success = gettext_lazy("Submission withdrawn.")
    service = staticmethod(submission_withdraw)


class DisbursementRevealView(StaffView):
    """The full receiving account, for a stated purpose (audited)."""

    permissions = {"POST": (P.REVEAL_ACCOUNT,)}

    def post(self, request, order_id):
        order, disbursement = selectors.disbursement_get(
            actor=request.user, order_id=order_id
        )
        return reveal_response(
            request,
            form=RevealForm(request.POST),
            reveal=lambda data: disbursement_reveal_account(
                actor=request.user, disbursement=disbursement, purpose=data["purpose"]
            ),
            context=reveal_context(order, disbursement),
        )


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class InstalmentPaidView(StaffView):
    permissions = {"POST": (P.DISBURSE,)}

    def post(self, request, instalment_id):
        instalment = selectors.instalment_get(
            actor=request.user, instalment_id=instalment_id
        )
        order = instalment.disbursement.order
        form = PaidForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: instalment_mark_paid(
                actor=request.user, instalment=instalment, paid_on=data["paid_on"]
            ),
            success=_("Instalment %d marked repaid.") % instalment.number,
            redirect_to=_next_url(request, selectors.order_page_url(order)),
        )
        bound = {"paid": form, "paid_instalment": instalment.pk}
        return done or loan_page(request, order, bound=bound, failed=form, status=400)


class ScheduleView(StaffView):
    """The repayment schedule as one printable page."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request, order_id):
        order, disbursement = selectors.disbursement_get(
            actor=request.user, order_id=order_id
        )
        return render(
            request,
            "orders/loan_schedule.html",
            {
                "order": order,
                "disbursement": disbursement,
                "account": disbursement.masked("account_number"),
                "schedule": selectors.schedule_of(disbursement),
                "methods": RepaymentMethod.choices,
                "today": timezone.localdate(),
            },
        )


class AfterLoanView(StaffView):
    """Repayments due this week, overdue instalments and loans ending within 60
    days, of the orders the user may see."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        today = timezone.localdate()
        week_end = today + dt.timedelta(days=6 - today.weekday())
        actor = request.user
        return render(
            request,
            "orders/loan_afterloan.html",
            {
                "today": today,
                "week_end": week_end,
                "upcoming": selectors.upcoming_repayments(
                    actor=actor, start=today, end=week_end
                ),
                "overdue": selectors.overdue_instalments(actor=actor, today=today),
                "maturing": selectors.maturing_loans(actor=actor, today=today),
                "cap": selectors.LIST_CAP,
            },
        )


class ApprovalRatesView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        form = PeriodForm(request.GET or None)
        since, until = form.period()
        rows = selectors.approval_rates(actor=request.user, since=since, until=until)
        return render(
            request,
            "orders/loan_approval_rates.html",
            {"form": form, "rows": rows, "since": since, "until": until},
        )
