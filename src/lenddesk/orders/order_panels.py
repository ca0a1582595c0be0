"""The loan's sections of the order page: funder submissions (with the completeness
check), the disbursement with its repayment schedule, and the fund-use checks.

Each template reads its data from ``panel`` (the dict ``orders.panels`` builds); the
loan page (``orders:loan``) shows the same sections, and shows a refused form again
with its errors (``bound``)."""

from __future__ import annotations

import datetime as dt

from django.forms import Form
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.orders import loan_selectors as selectors
from lenddesk.orders.afterloan import FundUseResult
from lenddesk.orders.disbursements import add_months
from lenddesk.orders.loan_forms import (
    DecisionForm,
    DisbursementForm,
    FundCheckForm,
    PaidForm,
    RevealForm,
    SubmissionForm,
    WithdrawForm,
)
from lenddesk.orders.models import Order, OrderProduct, OrderStatus, SubmissionStatus
from lenddesk.orders.panels import OrderPanel, register_order_panel
from lenddesk.orders.submissions import submission_check
from lenddesk.products.models import RepaymentMethod

VIEW = ("orders.view",)
REVEAL_BOX_ID = "account-reveal"
# Instalments this far ahead may be marked repaid from the schedule (early payers).
PAYABLE_AHEAD = dt.timedelta(days=31)


def _bound(bound: dict | None, key: str) -> Form | None:
    return (bound or {}).get(key)


def _products_of(order: Order):
    lines = OrderProduct.objects.filter(order=order).select_related("product__funder")
    return [line.product for line in lines.order_by("position", "id")]


def _submission_row(submission, bound: dict | None) -> dict:
    pending = submission.status == SubmissionStatus.PENDING
    row = {"submission": submission, "pending": pending}
    if pending:
        row["decide_form"] = (
            _bound(bound, "decide-%d" % submission.pk) or DecisionForm()
        )
        row["withdraw_form"] = (
            _bound(bound, "withdraw-%d" % submission.pk) or WithdrawForm()
        )
    return row


def submissions_section(*, request, order: Order, bound: dict | None = None) -> dict:
    rows = [
        _submission_row(submission, bound)
        for submission in selectors.submissions_of(actor=request.user, order=order)
    ]
    products = _products_of(order)
    initial = {"product": products[0].pk} if products else {}
    return {
        "order": order,
        "rows": rows,
        "checks": [
            {"product": p, "check": submission_check(order=order, product=p)}
            for p in products
        ],
        "open": order.status == OrderStatus.OPEN,
        "submission_form": _bound(bound, "submission")
        or SubmissionForm(initial=initial),
    }


def _disbursement_initial(approval) -> dict:
    today = timezone.localdate()
    initial = {"disbursed_on": today, "first_due_on": add_months(today, 1)}
    if approval is not None:
        methods = approval.product.repayment_methods if approval.product else []
        initial.update(
            amount=approval.approved_amount,
            annual_rate=approval.approved_rate,
            term_months=approval.approved_term,
            method=methods[0] if methods else None,
        )
    return initial


def reveal_context(order: Order, disbursement) -> dict:
    return {
        "reveal_url": reverse("orders:disbursement_reveal", args=[order.pk]),
        "box_id": REVEAL_BOX_ID,
        "fields": [
            (
                "account_number",
                _("Receiving account"),
                disbursement.masked("account_number"),
            )
        ],
        "compact": True,
    }


def disbursement_section(*, request, order: Order, bound: dict | None = None) -> dict:
    disbursement = selectors.disbursement_of(actor=request.user, order=order)
    approval = selectors.approved_submission(order)
    context = {
        "order": order,
        "disbursement": disbursement,
        "approval": approval,
        "open": order.status == OrderStatus.OPEN,
    }
    if disbursement is None:
        context["form"] = _bound(bound, "disbursement") or DisbursementForm(
            initial=_disbursement_initial(approval)
        )
        return context
    today = timezone.localdate()
    context.update(
        schedule=selectors.schedule_of(disbursement),
        method_label=dict(RepaymentMethod.choices).get(disbursement.method, ""),
        today=today,
        payable_until=today + PAYABLE_AHEAD,
        account=disbursement.masked("account_number"),
        reveal=reveal_context(order, disbursement),
        reveal_form=RevealForm(),
        paid_form=_bound(bound, "paid")
        or PaidForm(initial={"paid_on": timezone.localdate()}),
        paid_error_for=(bound or {}).get("paid_instalment"),
    )
    return context


def fund_checks_section(*, request, order: Order, bound: dict | None = None) -> dict:
    disbursed = selectors.disbursement_of(actor=request.user, order=order) is not None
    return {
        "order": order,
        "checks": selectors.fund_checks_of(actor=request.user, order=order),
        "disbursed": disbursed,
        "results": FundUseResult.choices,
        "form": (
            _bound(bound, "fund_check")
            or FundCheckForm(initial={"checked_on": timezone.localdate()})
        )
        if disbursed
        else None,
    }


def _loan_panel(name: str, title, build, order: int) -> OrderPanel:
    """A loan section: key ``loan_<name>``, template ``orders/loan_panel_<name>``."""
    return OrderPanel(
        key="loan_%s" % name,
        title=title,
        template="orders/loan_panel_%s.html" % name,
        build=build,
        codes=VIEW,
        order=order,
    )


PANELS = (
    _loan_panel("submissions", _("Funder submissions"), submissions_section, 40),
    _loan_panel(
        "disbursement",
        _("Disbursement and repayment schedule"),
        disbursement_section,
        50,
    ),
    _loan_panel("fund_checks", _("Fund-use checks"), fund_checks_section, 60),
)

for _panel in PANELS:
    register_order_panel(_panel)


def loan_sections(request, order: Order, bound: dict | None = None) -> list[dict]:
    """The loan panels as ``orders.panels.order_panels_for`` shows them."""
    return [
        {
            "key": panel.key,
            "title": panel.title,
            "template": panel.template,
            **panel.build(request=request, order=order, bound=bound),
        }
        for panel in PANELS
        if request.user.has_any_code(*panel.codes)
    ]
