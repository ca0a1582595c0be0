"""The firm's registered accounts (收款账户), fee policy (财务设置), other expenses
(其他支出) and the month-end close (月结)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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


class FormBoxPage(StaffView):
    """A page of rows with one form box beside them: GET shows it, POST saves through
    a service and answers as ``form_answer`` does (the box again for htmx, the page
    with its errors, or a redirect with the message). A page names its form in
    ``make_form(data=None)`` and its service call in ``save(data)``."""

    template = ""
    title = ""
    name = ""  # the box's id and the page's URL name (``finance:<name>``)
    url_name = ""
    submit_label = ""
    success = ""

    def extra(self) -> dict:
        return {}

    def box(self, form) -> dict:
        return box(self.name, self.url_name, _(self.submit_label), form)

    def page(self, form, status=200):
        context = {"title": _(self.title), **self.extra(), **self.box(form)}
        return render(self.request, self.template, context, status=status)

    def get(self, request):
        return self.page(self.make_form())

    def post(self, request):
        form = self.make_form(request.POST)
        return form_answer(
            request,
            form,
            self.save,
            success=_(self.success),
            redirect_to=reverse(self.url_name),
            fragment="finance/_form_box.html",
            page=lambda status: self.page(form, status),
            context=self.box(form),
        )


class AccountsView(FormBoxPage):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}
    template = "finance/accounts.html"
    title = gettext_noop("Receiving accounts")
    name, url_name = "account", "finance:accounts"
    submit_label, success = (
        gettext_noop("Register"),
        gettext_noop("Account registered."),
    )

    def extra(self) -> dict:
        return {"accounts": selectors.all_accounts()}

    def make_form(self, data=None):
        return AccountForm(data)

    def save(self, data):
        return account_add(actor=self.request.user, **data)


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


class PolicyView(FormBoxPage):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}
    template = "finance/settings.html"
    title = gettext_noop("Finance settings")
    name, url_name = "policy", "finance:settings"
    submit_label, success = gettext_noop("Save"), gettext_noop("Settings saved.")

    def make_form(self, data=None):
        if data is not None:
            return PolicyForm(data)
        threshold = policy().invoice_threshold
        return PolicyForm(initial={"invoice_threshold": threshold or ""})

    def save(self, data):
        return policy_update(actor=self.request.user, **data)


class ExpensesView(FormBoxPage):
    permissions = {"GET": (P.VIEW,), "POST": (P.EXPENSE,)}
    template = "finance/expenses.html"
    title = gettext_noop("Other expenses")
    name, url_name = "expense", "finance:expenses"
    submit_label, success = gettext_noop("Record"), gettext_noop("Expense recorded.")

    def extra(self) -> dict:
        rows = selectors.expenses_list()
        wanted = int_or_none(self.request.GET.get("id"))
        if wanted:
            rows = rows.filter(pk=wanted)
        return {"page": list_page(self.request, rows), "only": wanted}

    def make_form(self, data=None):
        return ExpenseForm(data, channels=Channel.objects.order_by("name"))

    def save(self, data):
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


class CloseView(FormBoxPage):
    permissions = {"GET": (P.VIEW,), "POST": (P.CLOSE,)}
    template = "finance/close.html"
    title = gettext_noop("Month-end close")
    name, url_name = "close", "finance:close"
    submit_label, success = (
        gettext_noop("Close the month"),
        gettext_noop("Month closed."),
    )

    def extra(self) -> dict:
        return {"months": selectors.closed_months(), "kinds": cost_kinds()}

    def make_form(self, data=None):
        return CloseForm(data)

    def save(self, data):
        return month_close(actor=self.request.user, **data)
