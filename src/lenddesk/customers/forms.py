from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.bulk import BULK_MAX
from lenddesk.customers.models import (
    CustomerKind,
    DuplicatePolicy,
    FollowUpKind,
    PhonePolicy,
    Rating,
    Urgency,
)
from lenddesk.customers.services.tagging import MAX_TAGS
from lenddesk.security.crypto import normalize_phone, validate_national_id
from lenddesk.web.params import BIGINT_MAX, int_or_none


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    id_number = forms.CharField(
        label=_("National ID number"), max_length=32, required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CustomerKind.choices, initial="person"
    )
    company_name = forms.CharField(label=_("Company"), max_length=120, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    demand_amount = forms.DecimalField(
        label=_("Amount wanted (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    demand_term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=480, required=False
    )
    demand_purpose = forms.CharField(
        label=_("Purpose of the loan"), max_length=120, required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial="normal"
    )
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    has_house = forms.BooleanField(label=_("Owns a house"), required=False)
    has_car = forms.BooleanField(label=_("Owns a car"), required=False)
    has_life_policy = forms.BooleanField(
        label=_("Life insurance policy"), required=False
    )
    has_business_licence = forms.BooleanField(
        label=_("Business licence"), required=False
    )
    provident_fund_months = forms.IntegerField(
        label=_("Provident fund (months)"),
        min_value=0,
        max_value=600,
        required=False,
        initial=0,
    )
    social_security_months = forms.IntegerField(
        label=_("Social security (months)"),
        min_value=0,
        max_value=600,
        required=False,
        initial=0,
    )
    credit_notes = forms.CharField(
        label=_("Credit notes (self-reported)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    rating = forms.ChoiceField(
        label=_("Intent rating"), choices=[("", "—"), *Rating.choices], required=False
    )
    channel = forms.CharField(label=_("Channel"), max_length=60, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        max_length=MAX_TAGS * 31,
        required=False,
        help_text=_("Separate with commas."),
    )

    def __init__(self, *args, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_keys = []
        for field in custom_fields:
            name = "custom_%s" % field.key
            self.custom_keys.append((name, field.key))
            if field.kind == "number":
                self.fields[name] = forms.DecimalField(
                    label=field.label, required=field.required
                )
            elif field.kind == "date":
                self.fields[name] = forms.DateField(
                    label=field.label,
                    required=field.required,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            elif field.kind == "choice":
                self.fields[name] = forms.ChoiceField(
                    label=field.label,
                    required=field.required,
                    choices=[("", "—"), *[(c, c) for c in field.choice_list()]],
                )
            else:
                self.fields[name] = forms.CharField(
                    label=field.label, required=field.required, max_length=200
                )

    def custom_values(self) -> dict:
        return {
            key: (
                ""
                if self.cleaned_data.get(name) in (None, "")
                else str(self.cleaned_data[name])
            )
            for name, key in self.custom_keys
        }

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        return validate_national_id(value) if value else ""

    def clean(self):
        data = super().clean()
        for field in ("provident_fund_months", "social_security_months"):
            data[field] = data.get(field) or 0
        return data

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "")
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How"), choices=FollowUpKind.choices, initial="call"
    )
    content = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    next_at = forms.DateTimeField(
        label=_("Next follow-up"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class VisitForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Appointment"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=120)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AssignForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Assign to"), coerce=int)
    customers = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.pk, str(u)) for u in colleagues]
        ids = self.data.getlist("customers") if hasattr(self.data, "getlist") else []
        self.fields["customers"].choices = [
            (int(i), i) for i in ids if str(i).isdigit()
        ]


class BulkActionForm(forms.Form):
    """The list's action on the selected rows; ``customers`` are ids as the page
    sent them, looked up again through the actor's scope by the service."""

    ACTIONS = ("release", "tag", "stage", "assign")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    tag = forms.CharField(label=_("Tag"), max_length=30, required=False)
    stage = forms.IntegerField(
        label=_("Stage"), min_value=1, max_value=BIGINT_MAX, required=False
    )
    owner = forms.IntegerField(
        label=_("Assign to"), min_value=1, max_value=BIGINT_MAX, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        raw = self.data.getlist("customers") if hasattr(self.data, "getlist") else []
        ids = [n for n in (int_or_none(value) for value in raw) if n is not None]
        if not ids:
            raise forms.ValidationError(_("Select at least one customer."))
        if len(set(ids)) > BULK_MAX:
            raise forms.ValidationError(
                _("Select at most %(n)d customers at once.") % {"n": BULK_MAX}
            )
        cleaned["customers"] = ids
        return cleaned


class PoolRulesForm(forms.Form):
    private_cap = forms.IntegerField(
        label=_("Private-pool cap per person"), min_value=1, max_value=100000
    )
    daily_claim_limit = forms.IntegerField(
        label=_("Claims per person per day"), min_value=0, max_value=10000
    )
    protection_days = forms.IntegerField(
        label=_("Protection after a claim (days)"), min_value=0, max_value=365
    )
    return_days_a = forms.IntegerField(
        label=_("Return after days without follow-up: rating A"),
        min_value=1,
        max_value=3650,
    )
    return_days_b = forms.IntegerField(
        label=_("… rating B"), min_value=1, max_value=3650
    )
    return_days_c = forms.IntegerField(
        label=_("… rating C"), min_value=1, max_value=3650
    )
    return_days_d = forms.IntegerField(
        label=_("… rating D and unrated"), min_value=1, max_value=3650
    )
    return_days_without_order = forms.IntegerField(
        label=_("Return after days without a signed order (0 = never)"),
        min_value=0,
        max_value=3650,
    )
    warn_days_before_return = forms.IntegerField(
        label=_("Warn the owner days before"), min_value=0, max_value=30
    )
    cooldown_days = forms.IntegerField(
        label=_("Days before the previous owner may claim again"),
        min_value=0,
        max_value=365,
    )
    locked_per_person = forms.IntegerField(
        label=_("Key customers per person"), min_value=0, max_value=1000
    )
    duplicate_policy = forms.ChoiceField(label=_("When a duplicate arrives"))
    phone_policy = forms.ChoiceField(
        label=_("Owners and their customers' phone numbers"),
        help_text=_(
            "First choice: after claiming, owners show their own customers' full "
            "numbers with one click; each view is recorded in the audit log. Second "
            "choice: owners never see the numbers and call through the system; "
            "choose it once outbound calling is set up, as until then owners cannot "
            "call. Anyone else needs the reveal permission and a stated purpose "
            "under either choice."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_policy"].choices = DuplicatePolicy.choices
        self.fields["phone_policy"].choices = PhonePolicy.choices


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("phone", _("Mobile phone")), ("id_number", _("National ID number"))]
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=200, min_length=2, required=False
    )
