"""The receivables list (应收列表) and one receivable with its receipts and the
forms that record a receipt, a refund or a write-off."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenddesk.finance import selectors
from lenddesk.finance.forms import ReceiptForm, RefundForm, WriteoffForm
from lenddesk.finance.models import ReceivableStatus
from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.finance.services.receipts import (
    receipt_record,
    refund_record,
    writeoff_record,
)
from lenddesk.finance.views.common import form_answer, with_params
from lenddesk.orders.loan_selectors import order_page_url
from lenddesk.web.access import StaffView
from lenddesk.web.listing import PAGE_SIZE

STATUS_TABS = [
    (ReceivableStatus.OPEN, ReceivableStatus.OPEN.label),
    (ReceivableStatus.SETTLED, ReceivableStatus.SETTLED.label),
    (ReceivableStatus.WRITTEN_OFF, ReceivableStatus.WRITTEN_OFF.label),
    ("all", _("All")),
]


class _KnownCount(Paginator):
    """Pages whose count the status tabs or aging chips already read."""

    def __init__(self, rows, per_page, count: int):
        super().__init__(rows, per_page)
        self.known = count

    @property
    def count(self) -> int:
        return self.known


class ReceivableListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        f = selectors.ReceivableFilters.from_params(request.GET)
        rows = selectors.receivable_list(request.user, f)
        summary = selectors.list_summary(request.user, f)
        counts, aging = summary["counts"], summary["aging"]
        known = counts.get(f.status, 0)
        if f.aging:
            known = next(b["count"] for b in aging if b["key"] == f.aging)
        page = _KnownCount(rows, PAGE_SIZE, known).get_page(request.GET.get("page"))
        params = request.GET
        return render(
            request,
            "finance/receivables.html",
            {
                "title": _("Receivables"),
                "filters": f,
                "page": page,
                "total": page.paginator.count,
                "status_tabs": [
                    (value, label, counts.get(value, 0)) for value, label in STATUS_TABS
                ],
                "aging": aging,
                "sort_choices": list(selectors.SORT_LABELS.items()),
                "tab_query": with_params(params, status=None, aging=None),
                "aging_query": with_params(params, aging=None, status=None),
                "page_query": with_params(params),
            },
        )


BOXES = (
    # kind, url name, permission, title, button
    ("receipt", "finance:receipt_add", P.RECEIVE, _("Record a receipt"), _("Record")),
    ("refund", "finance:refund_add", P.REFUND, _("Record a refund"), _("Refund")),
    ("writeoff", "finance:writeoff_add", P.WRITEOFF, _("Write off"), _("Write off")),
)


def box_context(receivable, kind: str, form) -> dict:
    """What ``finance/_form_box.html`` needs to show one of the three forms."""
    for name, url_name, _code, _title, button in BOXES:
        if name == kind:
            return {
                "form": form,
                "box_id": "box-%s" % kind,
                "action": reverse(url_name, args=[receivable.pk]),
                "submit_label": button,
            }
    raise ValueError(kind)


def _boxes(request, receivable, bound: dict) -> list[dict]:
    empty = {
        "receipt": lambda: ReceiptForm(),
        "refund": lambda: RefundForm(receivable=receivable),
        "writeoff": lambda: WriteoffForm(),
    }
    return [
        {
            "title": title,
            **box_context(receivable, kind, bound.get(kind) or empty[kind]()),
        }
        for kind, _url, code, title, _button in BOXES
        if request.user.has_code(code)
    ]


def basis_text(basis: dict) -> str:
    """How the fee was computed, in words."""
    values = {"rate": basis.get("rate"), "amount": basis.get("disbursed")}
    if basis.get("fee_kind") == "fixed" and basis.get("fixed") is not None:
        return gettext("Fixed amount %s") % basis.get("fixed")
    if None in values.values():  # written by hand, without its arithmetic
        return "—"
    if basis.get("fee_kind") == "tiered":
        return gettext("Tiered: %(rate)s%% of the disbursed %(amount)s") % values
    return gettext("%(rate)s%% of the disbursed %(amount)s") % values


def receivable_page(request, receivable, *, bound=None, status=200):
    """The receivable, its receipts and its three forms (``bound`` replaces one)."""
    return render(
        request,
        "finance/receivable.html",
        {
            "title": _("Receivable of order %s") % receivable.order.number,
            "receivable": receivable,
            "order_url": order_page_url(receivable.order),
            "receipts": selectors.receipts_of(request.user, receivable.order),
            "boxes": _boxes(request, receivable, bound or {}),
            "basis_text": basis_text(receivable.basis),
        },
        status=status,
    )


class ReceivableDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, receivable_id):
        receivable = selectors.receivable_get(request.user, receivable_id)
        return receivable_page(request, receivable)


class _MoneyFormView(StaffView):
    """POST one of the receivable's forms to its service."""

    kind = ""
    form_class = ReceiptForm
    service = None
    success = ""

    def make_form(self, receivable):
        return self.form_class(self.request.POST)

    def post(self, request, receivable_id):
        receivable = selectors.receivable_get(request.user, receivable_id)
        form = self.make_form(receivable)
        url = reverse("finance:receivable", args=[receivable.pk])
        return form_answer(
            request,
            form,
            lambda data: self.service(
                actor=request.user, receivable=receivable, **data
            ),
            success=str(self.success),
            redirect_to=url,
            fragment="finance/_form_box.html",
            page=lambda status: receivable_page(
                request, receivable, bound={self.kind: form}, status=status
            ),
            context=box_context(receivable, self.kind, form),
        )


class ReceiptCreateView(_MoneyFormView):
    permissions = {"POST": (P.RECEIVE,)}
    kind = "receipt"
    service = staticmethod(receipt_record)
    success = _("Receipt recorded.")


class RefundCreateView(_MoneyFormView):
    permissions = {"POST": (P.REFUND,)}
    kind = "refund"
    form_class = RefundForm
    service = staticmethod(refund_record)
    success = _("Refund recorded.")

    def make_form(self, receivable):
        return RefundForm(self.request.POST, receivable=receivable)


class WriteoffCreateView(_MoneyFormView):
    permissions = {"POST": (P.WRITEOFF,)}
    kind = "writeoff"
    form_class = WriteoffForm
    service = staticmethod(writeoff_record)
    success = _("Write-off recorded.")
