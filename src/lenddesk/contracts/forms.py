"""Page forms of contracts; a refusal names its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.contracts.models import ContractKind
from lenddesk.contracts.services.contracts import REASON_MAX


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contract type"), choices=ContractKind.choices)
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    file = forms.FileField(
        label=_("Word template (.docx)"),
        help_text=_("Only placeholders from the list of placeholders."),
    )


class SettingForm(forms.Form):
    prefix = forms.CharField(label=_("Number prefix"), max_length=8)
    valid_months = forms.IntegerField(
        label=_("Authorisation valid for (months)"), min_value=1, max_value=60
    )


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contract type"), choices=ContractKind.choices)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    scan = forms.FileField(
        label=_("Scan of the signed contract"),
        help_text=_("PDF, JPG or PNG, at most 10 MB."),
    )


class StepForm(forms.Form):
    """A button with nothing to fill in (send, regenerate)."""
