"""Page forms for credit reports: the purpose of a look, recording a consent and
revoking it. Field errors name the field; the services check the rest."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.models import AuthorisationMethod, CreditPurpose, QueryMethod
from lenddesk.customers.services.credit import DEFAULT_VALIDITY_DAYS
from lenddesk.web.params import BIGINT_MAX


class CreditOpenForm(forms.Form):
    """The purpose is optional here on purpose: a look without one is refused by
    the service and recorded as refused (SECURITY T36)."""

    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("", _("Choose the purpose…")), *CreditPurpose.choices],
        required=False,
    )
    purpose_note = forms.CharField(
        label=_("Purpose details"), max_length=200, required=False
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=QueryMethod.choices,
        initial=QueryMethod.VIEW,
        widget=forms.RadioSelect,
    )


class ConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Kind of authorisation"),
        choices=AuthorisationMethod.choices,
        initial=AuthorisationMethod.RECORDED_CONSENT,
    )
    source_label = forms.CharField(
        label=_("Evidence"),
        max_length=120,
        help_text=_(
            "E.g. the signed form's number, or how and where consent was given"
        ),
    )
    valid_from = forms.DateField(
        label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scan = forms.FileField(label=_("Scan (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today + dt.timedelta(
            days=DEFAULT_VALIDITY_DAYS
        )


class RevokeForm(forms.Form):
    authorisation = forms.IntegerField(
        label=_("Authorisation"), min_value=1, max_value=BIGINT_MAX
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
