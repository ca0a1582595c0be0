"""Page forms of the loan side of an order. They parse and bound the input; the
services decide what is allowed and name the field when it is not."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.orders.afterloan import FundUseResult
from lenddesk.orders.models import SubmissionStatus
from lenddesk.products.models import Product, RepaymentMethod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return "%s · %s" % (obj.funder.name, obj.name)


class SubmissionForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product (funder)"),
        queryset=None,
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            is_active=True
        ).select_related("funder")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Funder's answer"),
        choices=[
            (SubmissionStatus.APPROVED, _("Approved")),
            (SubmissionStatus.REJECTED, _("Rejected")),
        ],
    )
    amount = forms.DecimalField(
        label=_("Approved amount (yuan)"), required=False, **MONEY
    )
    rate = forms.DecimalField(
        label=_("Approved annual rate (%)"),
        required=False,
        max_digits=7,
        decimal_places=4,
    )
    term = forms.IntegerField(
        label=_("Approved term (months)"),
        required=False,
        min_value=1,
        max_value=480,
    )
    reason = forms.CharField(
        label=_("Reason for rejection"), required=False, max_length=300
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=300)


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount disbursed (yuan)"), **MONEY)
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)
    first_due_on = forms.DateField(label=_("First repayment on"), widget=DATE)
    annual_rate = forms.DecimalField(
        label=_("Annual rate (%)"), max_digits=7, decimal_places=4
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=480
    )
    method = forms.ChoiceField(
        label=_("Repayment method"), choices=RepaymentMethod.choices
    )
    account_bank = forms.CharField(label=_("Receiving bank"), max_length=80)
    account_number = forms.CharField(
        label=_("Receiving account number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Repaid on"), widget=DATE)


class FundCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=FundUseResult.choices)
    note = forms.CharField(
        label=_("What was found"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    MAX_DAYS = 3 * 366

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen days, by default the last 90; at most three years."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        until = data.get("until") or today
        since = data.get("since") or until - dt.timedelta(days=89)
        if since > until:
            since, until = until, since
        if (until - since).days > self.MAX_DAYS:
            since = until - dt.timedelta(days=self.MAX_DAYS)
        return since, until
