import json

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.models import AdAccount, AssignMode, Channel, ChannelKind
from lenddesk.customers.models import AllocationRule, DuplicatePolicy

DATE = forms.DateInput(attrs={"type": "date"})


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class AdAccountForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=80)
    external_id = forms.CharField(
        label=_("Account id on the platform"), max_length=80, required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.order_by("name")


class SpendForm(forms.Form):
    ad_account = forms.ModelChoiceField(label=_("Ad account"), queryset=None)
    campaign = forms.CharField(
        label=_("Campaign"),
        max_length=80,
        required=False,
        help_text=_("Empty: the whole account."),
    )
    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ad_account"].queryset = (
            AdAccount.objects.filter(active=True)
            .select_related("channel")
            .order_by("channel__name", "name")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The end of the period is before its start.")
            )
        return data


class ReportForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    group = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[
            ("channel", _("Channel")),
            ("account", _("Ad account")),
            ("campaign", _("Campaign")),
        ],
    )


class IntegrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    channel = forms.ModelChoiceField(label=_("Default channel"), queryset=None)
    ad_account = forms.ModelChoiceField(
        label=_("Ad account"), queryset=None, required=False
    )
    campaign = forms.CharField(
        label=_("Default campaign"), max_length=80, required=False
    )
    field_mapping = forms.CharField(
        label=_("Field mapping (JSON: platform field → customer field)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            'For example {"tel": "phone", "user.name": "name"}. Dotted names reach '
            "into nested objects. Unmapped fields with the customer field's own name "
            "are taken as they are."
        ),
    )
    assign_mode = forms.ChoiceField(
        label=_("Assignment"), choices=AssignMode.choices, initial=AssignMode.RULES
    )
    allocation_rule = forms.ModelChoiceField(
        label=_("Allocation rule"),
        queryset=None,
        required=False,
    )
    duplicate_policy = forms.ChoiceField(
        label=_("Duplicates"),
        required=False,
        choices=[("", _("The firm's policy")), *DuplicatePolicy.choices],
        help_text=_(
            "A lead matching an existing customer is never refused to the platform: "
            "“reject” links it to the existing customer."
        ),
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Rate limit (deliveries per minute)"),
        min_value=1,
        max_value=100_000,
        initial=600,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(active=True).order_by(
            "name"
        )
        self.fields["ad_account"].queryset = AdAccount.objects.filter(
            active=True
        ).select_related("channel")
        self.fields["allocation_rule"].queryset = AllocationRule.objects.filter(
            is_active=True
        )

    def clean_field_mapping(self):
        raw = (self.cleaned_data.get("field_mapping") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            raise forms.ValidationError(
                _("Write the mapping as a JSON object.")
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Write the mapping as a JSON object."))
        return value


class NoticeForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=20)
    text = forms.CharField(
        label=_("Text of the notice"), widget=forms.Textarea(attrs={"rows": 12})
    )
