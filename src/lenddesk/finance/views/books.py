"""The firm's registered accounts (收款账户), fee policy (财务设置), other expenses
(其他支出) and the month-end close (月结)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition.models import Channel
from lenddesk.finance import selectors
from lenddesk.finance.closing import policy
from lenddesk.finance.costs import cost_kinds
from lenddesk.finance.forms import AccountForm, CloseForm, ExpenseForm, PolicyForm
from lenddesk.finance.models import FirmAccount
from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.finance.services.close import month_close
from lenddesk.finance.services.common import refusal
from lenddesk.finance.services.expenses import expense_record
from lenddesk.finance.services.setup import (
    account_add,
    account_set_active,
    policy_update,
)
from lenddesk.finance.views.common import form_answer
from lenddesk.orders.selectors import orders_visible
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.listing import list_page
from lenddesk.web.params import int_or_none


def box(name: str, url_name: str, label, form) -> dict:
    """What ``finance/_form_box.html`` needs for a page's one form."""
    return {
        "form": form,
        "box_id": "box-%s" % name,
        "action": reverse(url_name),
        "submit_label": label,
    }


class AccountsView(StaffView):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}

    def page(self, form, status=200):
        return render(
            self.request,
            "finance/accounts.html",
            {
                "title": gettext_lazy("Receiving accounts"),
                "accounts": selectors.all_accounts(),
                **box("account", "finance:accounts", _("Register"), form),
            },
            status=status,
        )

    def get(self, request):
        return self.page(AccountForm())

    def post(self, request):
        form = AccountForm(request.POST)
        return form_answer(
            request,
            form,
            lambda data: account_add(actor=request.user, **data),
            success=_("Account registered."),
            redirect_to=reverse("finance:accounts"),
            fragment="finance/_form_box.html",
            page=lambda status: self.page(form, status),
            context=box("account", "finance:accounts", _("Register"), form),
        )


class AccountToggleView(StaffView):
    permissions = {"POST": (P.SETTINGS,)}

    def post(self, request, account_id):
        account = FirmAccount.objects.filter(pk=account_id).first()
        if account is None:
            raise Http404
        active = request.POST.get("active") == "1"
        report_outcome(
            request,
            lambda: account_set_active(
                actor=request.user, account=account, active=active
            ),
            _("Account resumed.") if active else _("Account stopped."),
        )
        return redirect("finance:accounts")


class PolicyView(StaffView):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}

    def page(self, form, status=200):
        return render(
            self.request,
            "finance/settings.html",
            {
                "title": gettext_lazy("Finance settings"),
                **box("policy", "finance:settings", _("Save"), form),
            },
            status=status,
        )

    def get(self, request):
        threshold = policy().invoice_threshold
        return self.page(PolicyForm(initial={"invoice_threshold": threshold or ""}))

    def post(self, request):
        form = PolicyForm(request.POST)
        return form_answer(
            request,
            form,
            lambda data: policy_update(actor=request.user, **data),
            success=_("Settings saved."),
            redirect_to=reverse("finance:settings"),
            fragment="finance/_form_box.html",
            page=lambda status: self.page(form, status),
            context=box("policy", "finance:settings", _("Save"), form),
        )


class ExpensesView(StaffView):
    permissions = {"GET": (P.VIEW,), "POST": (P.EXPENSE,)}

    def page(self, form, status=200):
        rows = selectors.expenses_list()
        wanted = int_or_none(self.request.GET.get("id"))
        if wanted:
            rows = rows.filter(pk=wanted)
        return render(
            self.request,
            "finance/expenses.html",
            {
                "title": gettext_lazy("Other expenses"),
                "page": list_page(self.request, rows),
                **box("expense", "finance:expenses", _("Record"), form),
                "only": wanted,
            },
            status=status,
        )

    def form(self, data=None):
        return ExpenseForm(data, channels=Channel.objects.order_by("name"))

    def get(self, request):
        return self.page(self.form())

    def post(self, request):
        form = self.form(request.POST)
        return form_answer(
            request,
            form,
            lambda data: self.record(data),
            success=_("Expense recorded."),
            redirect_to=reverse("finance:expenses"),
            fragment="finance/_form_box.html",
            page=lambda status: self.page(form, status),
            context=box("expense", "finance:expenses", _("Record"), form),
        )

    def record(self, data):
        number = data.pop("order_number", "").strip()
        order = None
        if number:
            order = orders_visible(self.request.user).filter(number=number).first()
            if order is None:
                raise refusal(
                    "order_number",
                    _("No order you can see has this number."),
                    "invalid",
                )
        return expense_record(actor=self.request.user, order=order, **data)


class CloseView(StaffView):
    permissions = {"GET": (P.VIEW,), "POST": (P.CLOSE,)}

    def page(self, form, status=200):
        return render(
            self.request,
            "finance/close.html",
            {
                "title": gettext_lazy("Month-end close"),
                "months": selectors.closed_months(),
                "kinds": cost_kinds(),
                **box("close", "finance:close", _("Close the month"), form),
            },
            status=status,
        )

    def get(self, request):
        return self.page(CloseForm())

    def post(self, request):
        form = CloseForm(request.POST)
        return form_answer(
            request,
            form,
            lambda data: month_close(actor=request.user, **data),
            success=_("Month closed."),
            redirect_to=reverse("finance:close"),
            fragment="finance/_form_box.html",
            page=lambda status: self.page(form, status),
            context=box("close", "finance:close", _("Close the month"), form),
        )
