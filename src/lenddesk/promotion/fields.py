"""The fields an application form can ask: customer fields and the firm's custom
fields, and the public Django form built from a form's saved list."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.models import Customer, CustomField, CustomFieldType

CUSTOMER_FIELDS = (
    "city",
    "demand_amount",
    "demand_term_months",
    "demand_purpose",
    "urgency",
    "company_name",
    "monthly_income",
    "has_house",
    "has_car",
    "has_life_policy",
    "provident_fund_months",
    "social_security_months",
    "has_business_licence",
    "credit_notes",
)


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    custom: bool = False
    forced: bool = False  # a required custom field: every form must ask it


def field_catalogue() -> dict[str, FieldInfo]:
    """Every field a form may ask, by form field name (custom fields: ``custom_<key>``)."""
    catalogue = {
        name: FieldInfo(name, str(Customer._meta.get_field(name).verbose_name))
        for name in CUSTOMER_FIELDS
    }
    for field in CustomField.objects.all():
        name = "custom_%s" % field.key
        catalogue[name] = FieldInfo(name, field.label, True, field.required)
    return catalogue


def _custom_formfield(field: CustomField, required: bool) -> forms.Field:
    if field.kind == CustomFieldType.NUMBER:
        return forms.DecimalField(label=field.label, required=required)
    if field.kind == CustomFieldType.DATE:
        return forms.DateField(
            label=field.label,
            required=required,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    if field.kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(
            label=field.label,
            required=required,
            choices=[("", "—")] + [(c, c) for c in field.choice_list()],
        )
    return forms.CharField(label=field.label, required=required, max_length=200)


def _customer_formfield(name: str, required: bool) -> forms.Field:
    model_field = Customer._meta.get_field(name)
    field = model_field.formfield()
    if isinstance(field, forms.BooleanField):
        field.required = False
        return field
    field.required = required
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        field.widget.attrs["inputmode"] = "decimal"
        field.validators.append(MinValueValidator(0))
    if isinstance(field, forms.TypedChoiceField):
        field.choices = [c for c in field.choices if c[0] != ""]
    return field


def asked_fields(form) -> list[dict]:
    """The form's saved list plus required custom fields it lacks."""
    catalogue = field_catalogue()
    entries = [e for e in form.fields if e.get("name") in catalogue]
    names = {e["name"] for e in entries}
    for info in catalogue.values():
        if info.forced and info.name not in names:
            entries.append({"name": info.name, "required": True})
    return entries


class PublicForm(forms.Form):
    """The applicant's form: name and phone, the chosen fields, consent, captcha."""

    name = forms.CharField(label=_("Your name"), max_length=80)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
        ),
    )

    def __init__(self, *args, application_form, notice, **kwargs):
        super().__init__(*args, **kwargs)
        customs = {"custom_%s" % f.key: f for f in CustomField.objects.all()}
        self.custom_names = []
        for entry in asked_fields(application_form):
            name, required = entry["name"], bool(entry.get("required"))
            if name in customs:
                self.fields[name] = _custom_formfield(customs[name], required)
                self.custom_names.append(name)
            else:
                self.fields[name] = _customer_formfield(name, required)
        self.fields["consent"] = forms.BooleanField(
            label=_("I have read and agree to the privacy notice (version %s).")
            % notice.version,
            required=True,
            error_messages={
                "required": _("Please agree to the privacy notice to continue.")
            },
        )
        self.fields["consent_version"] = forms.CharField(
            widget=forms.HiddenInput, initial=notice.version
        )
        self.fields["captcha_id"] = forms.CharField(widget=forms.HiddenInput)
        self.fields["captcha"] = forms.CharField(
            label=_("Check code (the characters in the picture)"),
            max_length=8,
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters"}
            ),
        )

    def submission_data(self) -> dict:
        data = self.cleaned_data
        customer = {"name": data["name"]}
        for name in self.fields:
            if name in CUSTOMER_FIELDS:
                value = data.get(name)
                if value not in (None, ""):
                    customer[name] = value
        custom = {
            name.removeprefix("custom_"): str(data[name])
            for name in self.custom_names
            if data.get(name) not in (None, "")
        }
        return {
            "customer": customer,
            "phone": data["phone"],
            "custom_fields": custom,
            "consent_version": data["consent_version"],
        }
