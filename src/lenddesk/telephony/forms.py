from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.telephony.models import (
    CallerNumber,
    CallOutcome,
    CallResult,
    TelephonySettings,
)
from lenddesk.telephony.services.config import SETTING_FIELDS

DATETIME = {
    "widget": forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
    ),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}


class CallNoteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("How did it go?"), choices=CallOutcome.choices)
    content = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_at = forms.DateTimeField(label=_("Next follow-up"), required=False, **DATETIME)
    visit_at = forms.DateTimeField(label=_("Visit at"), required=False, **DATETIME)
    visit_place = forms.CharField(
        label=_("Visit place"), required=False, max_length=120
    )


class SettingsForm(forms.ModelForm):
    endpoint = forms.URLField(
        label=_("API endpoint"), max_length=200, assume_scheme="https"
    )
    access_secret = forms.CharField(
        label=_("AccessKey secret"),
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; leave empty to keep the current one."),
    )

    class Meta:
        model = TelephonySettings
        fields = list(SETTING_FIELDS)  # what the settings service saves
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class NumberForm(forms.ModelForm):
    class Meta:
        model = CallerNumber
        fields = ["number", "label", "hourly_cap", "daily_cap", "cooldown_seconds"]

    def validate_unique(self):
        """The service checks the pool (the firm is set there)."""


class DoNotCallForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    by_customer = forms.BooleanField(
        label=_("The customer asked for it"), required=False, initial=True
    )


class CallFilterForm(forms.Form):
    result = forms.ChoiceField(
        required=False, choices=[("", _("All results")), *CallResult.choices]
    )
    day = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-started_at", _("Newest first")),
            ("started_at", _("Oldest first")),
            ("-duration_seconds", _("Longest talk first")),
        ],
    )
