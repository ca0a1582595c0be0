"""Order pages' forms. Field errors name the field; the services check again (the API
and the pages share them), so a form only shapes the input."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lenddesk.orders.models import FeeKind, MoveKind, Order
from lenddesk.orders.selectors import (
    processors_offered,
    products_offered,
    workflows_offered,
)
from lenddesk.orders.services.terms import AMOUNT_MAX, TERM_MAX, TERM_MIN, TIERS_MAX

TIERS_HELP = _(
    "One tier a line: the upper limit of the disbursed amount and the rate, e.g. "
    "“500000 2”; the last line only the rate (no upper limit), e.g. “1.5”."
)


def parse_tiers(text: str) -> list[dict]:
    """``500000 2`` / ``1.5`` lines as the service's tiers (checked there)."""
    tiers = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > TIERS_MAX:
        raise ValidationError(_("At most %d tiers.") % TIERS_MAX)
    for line in lines:
        parts = line.replace(",", " ").replace("，", " ").split()
        if len(parts) == 1:
            tiers.append({"up_to": None, "rate": parts[0]})
        elif len(parts) == 2:
            tiers.append({"up_to": parts[0], "rate": parts[1]})
        else:
            raise ValidationError(_("Each line: an upper limit and a rate."))
    return tiers


def tiers_text(tiers: list[dict]) -> str:
    return "\n".join(
        "%s %s" % (t["up_to"], t["rate"]) if t.get("up_to") else str(t["rate"])
        for t in tiers or []
    )


class _TermsForm(forms.Form):
    # Fields the order's step locks (left out of what goes to the service).
    locked: frozenset = frozenset()

    amount = forms.DecimalField(
        label=_("Amount requested (yuan)"),
        min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX,
        max_digits=14,
        decimal_places=2,
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=TERM_MIN, max_value=TERM_MAX
    )
    fee_kind = forms.ChoiceField(label=_("Fee terms"), choices=FeeKind.choices)
    fee_rate = forms.DecimalField(
        label=_("Fee (percent of the disbursed amount)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=7,
        decimal_places=4,
    )
    fee_fixed = forms.DecimalField(
        label=_("Fixed fee (yuan)"),
        required=False,
        min_value=0,
        max_value=AMOUNT_MAX,
        max_digits=14,
        decimal_places=2,
    )
    fee_tiers = forms.CharField(
        label=_("Fee tiers"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=TIERS_HELP,
    )
    main_product = forms.ModelChoiceField(
        label=_("Main product"), queryset=None, empty_label=None
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Other products"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    processor = forms.ModelChoiceField(
        label=_("Processor"), queryset=None, required=False
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("main_product", "products"):
            self.fields[name].queryset = products_offered()
            self.fields[name].label_from_instance = self._product_label
        self.fields["processor"].queryset = processors_offered()

    @staticmethod
    def _product_label(product) -> str:
        return "%s · %s" % (product.funder.name, product.name)

    def clean_fee_tiers(self):
        return parse_tiers(self.cleaned_data.get("fee_tiers", ""))

    def service_values(self) -> dict:
        """The cleaned input in the services' words (``products``: main first)."""
        data = self.cleaned_data
        main = data.get("main_product")
        others = [p for p in data.get("products") or [] if p != main]
        values = {
            key: data[key]
            for key in (
                "amount",
                "term_months",
                "fee_kind",
                "fee_rate",
                "fee_fixed",
                "fee_tiers",
                "processor",
                "note",
            )
            if key in data and key not in self.locked
        }
        if main is not None and "products" not in self.locked:
            values["products"] = [main, *others]
        return values


class OrderOpenForm(_TermsForm):
    workflow = forms.ModelChoiceField(
        label=_("Workflow"),
        queryset=None,
        required=False,
        empty_label=_("By the main product's type"),
    )

    field_order = ["main_product", "products", "workflow", "amount", "term_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workflow"].queryset = workflows_offered()


# A step's lock name → the form fields it disables.
LOCKED_FORM_FIELDS = {
    "amount": ("amount",),
    "term_months": ("term_months",),
    "products": ("main_product", "products"),
    "processor": ("processor",),
    "fee": ("fee_kind", "fee_rate", "fee_fixed", "fee_tiers"),
}


class OrderEditForm(_TermsForm):
    """The order's terms; what its step locks is shown but disabled (a disabled
    field keeps the order's value whatever is posted)."""

    def __init__(self, *args, order: Order, locks: dict, **kwargs):
        lines = list(
            order.lines.order_by("position").values_list("product_id", flat=True)
        )
        initial = {
            "amount": order.amount,
            "term_months": order.term_months,
            "fee_kind": order.fee_kind,
            "fee_rate": order.fee_rate,
            "fee_fixed": order.fee_fixed,
            "fee_tiers": tiers_text(order.fee_tiers),
            "main_product": lines[0] if lines else None,
            "products": lines[1:],
            "processor": order.processor_id,
            "note": order.note,
        }
        super().__init__(*args, initial=initial, **kwargs)
        locked_names = set()
        for lock, node in locks.items():
            for name in LOCKED_FORM_FIELDS.get(lock, ()):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Locked from the step %s on.") % (
                    node.name
                )
                locked_names.add(name)
        self.locked = frozenset(
            {"products"} if "main_product" in locked_names else set()
        ) | frozenset(locked_names)


class MoveForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Move"),
        choices=[
            (MoveKind.FORWARD, _("Forward")),
            (MoveKind.RETURN, _("Send back")),
            (MoveKind.CANCEL, _("Cancel")),
            (MoveKind.COMPLETE, _("Complete")),
        ],
    )
    to_node = forms.CharField(label=_("Return to"), required=False, max_length=40)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)
