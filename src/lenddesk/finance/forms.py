"""Page forms of finance. They bound the input; the services decide what is allowed
and name the field when it is not (amounts are read by the services, so a page and
the API refuse the same input with the same words)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.finance import selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label, *, required=True, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _account_choices():
    return [("", "—")] + [(a.pk, str(a)) for a in selectors.active_accounts()]


class _DatedForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "occurred_on" in self.fields and not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.localdate())


class ReceiptForm(_DatedForm):
    amount = _money_field(_("Amount (yuan)"))
    occurred_on = forms.DateField(label=_("Received on"), widget=DATE)
    account = forms.CharField(label=_("Into account"), required=False)
    invoice_no = forms.CharField(
        label=_("Invoice number"), required=False, max_length=40
    )
    reference = forms.CharField(
        label=_("Bank reference"), required=False, max_length=80
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].widget = forms.Select(choices=_account_choices())


class RefundForm(_DatedForm):
    amount = _money_field(_("Amount (yuan)"))
    occurred_on = forms.DateField(label=_("Refunded on"), widget=DATE)
    account = forms.CharField(label=_("From account"), required=False)
    refund_of = forms.CharField(label=_("Refund of receipt"), required=False)
    reference = forms.CharField(
        label=_("Bank reference"), required=False, max_length=80
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, receivable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].widget = forms.Select(choices=_account_choices())
        choices = [("", "—")]
        if receivable is not None:
            choices += [
                (r.pk, "%s · %s (%s)" % (r.occurred_on, r.amount, left))
                for r, left in selectors.refundable_receipts(receivable)
                if left > 0
            ]
        self.fields["refund_of"].widget = forms.Select(choices=choices)


class WriteoffForm(_DatedForm):
    amount = _money_field(
        _("Amount (yuan)"),
        required=False,
        help_text=_("Leave empty to write off all that is still owed."),
    )
    occurred_on = forms.DateField(label=_("Written off on"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=300)


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Account name"), max_length=80)
    bank = forms.CharField(label=_("Bank"), max_length=80)
    account_number = forms.CharField(label=_("Account number"), max_length=40)


class PolicyForm(forms.Form):
    invoice_threshold = _money_field(
        _("Invoice number required above (yuan)"),
        required=False,
        help_text=_("Leave empty to never require one."),
    )


class ExpenseForm(_DatedForm):
    category = forms.CharField(label=_("Category"), max_length=40)
    amount = _money_field(_("Amount (yuan)"))
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    order_number = forms.CharField(
        label=_("Order number"), required=False, max_length=32
    )
    channel = forms.CharField(label=_("Channel"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].widget = forms.Select(
            choices=[("", "—")] + [(c.pk, c.name) for c in channels]
        )


class CloseForm(forms.Form):
    month = forms.CharField(
        label=pgettext_lazy("calendar month", "Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
