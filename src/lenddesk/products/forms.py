import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.models import DocumentKind
from lenddesk.products.models import (
    Funder,
    FunderKind,
    FunderStatus,
    ProductType,
    RepaymentMethod,
)


class FunderForm(forms.Form):
    name = forms.CharField(label=_("Institution"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=FunderKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=FunderStatus.choices)
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=60, required=False
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=40, required=False
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    agreement_terms = forms.CharField(
        label=_("Agreement terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreement_expires_on = forms.DateField(
        label=_("Agreement expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rebate_percent = forms.DecimalField(
        label=_("Rebate (percent of the amount disbursed)"),
        max_digits=6,
        decimal_places=3,
        min_value=0,
        initial=0,
    )
    rebate_terms = forms.CharField(
        label=_("Rebate terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProductForm(forms.Form):
    funder = forms.ModelChoiceField(
        label=_("Funder"), queryset=Funder.all_tenants.none()
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    type = forms.ChoiceField(label=_("Type"), choices=ProductType.choices)
    amount_min = forms.DecimalField(
        label=_("Minimum amount (yuan)"), max_digits=14, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Maximum amount (yuan)"), max_digits=14, decimal_places=2
    )
    term_min = forms.IntegerField(
        label=_("Shortest term (months)"), min_value=1, max_value=480
    )
    term_max = forms.IntegerField(
        label=_("Longest term (months)"), min_value=1, max_value=480
    )
    rate_min = forms.DecimalField(
        label=_("Lowest annual rate (%)"), max_digits=6, decimal_places=3, min_value=0
    )
    rate_max = forms.DecimalField(
        label=_("Highest annual rate (%)"), max_digits=6, decimal_places=3, min_value=0
    )
    repayment_methods = forms.MultipleChoiceField(
        label=_("Repayment methods"),
        choices=RepaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    processing_days = forms.IntegerField(
        label=_("Typical processing days"), min_value=0, max_value=365, initial=7
    )
    service_fee_percent = forms.DecimalField(
        label=_("Our service fee (percent of the amount)"),
        max_digits=6,
        decimal_places=3,
        min_value=0,
        initial=0,
    )
    service_fee_min = forms.DecimalField(
        label=_("Minimum service fee (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        initial=0,
    )
    guarantee_fee_percent = forms.DecimalField(
        label=_("Guarantee fee, once (percent of the amount)"),
        max_digits=6,
        decimal_places=3,
        min_value=0,
        initial=0,
    )
    guarantee_fee_monthly_percent = forms.DecimalField(
        label=_("Guarantee fee per month (percent of the amount)"),
        max_digits=6,
        decimal_places=4,
        min_value=0,
        initial=0,
    )
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Funder.objects.order_by("name")


def row_key() -> str:
    """A fresh key for one editor row (``rule-<key>-…``, ``band-<key>-…``)."""
    return secrets.token_hex(4)


ROW_KEY = re.compile(r"^rule-([A-Za-z0-9]{1,12})-field$")


def rule_rows(data) -> list[dict]:
    """The editor's rows in page order: ``rule-<key>-field/op/value/message``."""
    rows = []
    for name in data:
        found = ROW_KEY.match(name)
        if found:
            key = found.group(1)
            rows.append(
                {
                    "key": key,
                    "field": data.get("rule-%s-field" % key, ""),
                    "op": data.get("rule-%s-op" % key, ""),
                    "value": data.get("rule-%s-value" % key, ""),
                    "message": data.get("rule-%s-message" % key, ""),
                }
            )
    return rows


BAND_KEY = re.compile(r"^band-([A-Za-z0-9]{1,12})-field$")


def band_rows(data) -> list[dict]:
    rows = []
    for name in data:
        found = BAND_KEY.match(name)
        if found:
            key = found.group(1)
            row = {
                "key": key,
                "field": data.get("band-%s-field" % key, ""),
                "min": data.get("band-%s-min" % key, ""),
                "max": data.get("band-%s-max" % key, ""),
                "points": data.get("band-%s-points" % key, ""),
            }
            if data.get("band-%s-yes" % key):
                row["value"] = True
            rows.append(row)
    return rows
