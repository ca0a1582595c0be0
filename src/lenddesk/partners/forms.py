from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.selectors import active_colleagues
from lenddesk.partners.models import MAX_DEPTH, MIN_DEPTH

DEPTH_MESSAGE = _("Partner levels must be a whole number from 1 to 3.")


class PartnerSettingsForm(forms.Form):
    max_depth = forms.IntegerField(
        label=_("Partner levels"),
        min_value=MIN_DEPTH,
        max_value=MAX_DEPTH,
        error_messages={
            "required": DEPTH_MESSAGE,
            "invalid": DEPTH_MESSAGE,
            "min_value": DEPTH_MESSAGE,
            "max_value": DEPTH_MESSAGE,
        },
        help_text=_(
            "1 = only partners invited by staff; 2 = they may invite sub-partners; "
            "3 = sub-partners may invite once more. Default 2."
        ),
    )
    auto_approve = forms.BooleanField(
        label=_("Approve new partners automatically"), required=False
    )


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class InvitationForm(forms.Form):
    manager = ColleagueChoiceField(
        label=_("Account manager"),
        queryset=None,
        required=False,
        empty_label=_("— me —"),
        help_text=_("Receives the customers this partner refers."),
    )
    note = forms.CharField(label=_("For whom (note)"), max_length=120, required=False)
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=365,
        initial=30,
        required=False,
        help_text=_("Leave empty for a link that does not expire."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = active_colleagues()


class ManagerForm(forms.Form):
    manager = ColleagueChoiceField(
        label=_("Account manager"),
        queryset=None,
        required=False,
        empty_label=_("— none: referrals go to the public pool —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = active_colleagues()


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "%s · L%d" % (obj.name, obj.level)


class MoveForm(forms.Form):
    """The page offers only fitting uplines; any partner in the actor's scope is
    accepted here so the service can say in words why a choice does not fit."""

    upline = PartnerChoiceField(
        label=_("New upline"),
        queryset=None,
        required=False,
        empty_label=_("— none: make a top-level partner —"),
    )

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        from lenddesk.partners.models import Partner

        self.fields["upline"].queryset = (
            queryset if queryset is not None else Partner.objects.none()
        )


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


# --- portal -------------------------------------------------------------------------


class PortalLoginForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput
    )


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=80)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("You log in with this number."),
    )
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        widget=forms.PasswordInput,
        help_text=_(
            "At least 8 characters with 3 of: lowercase, uppercase, digits, symbols."
        ),
    )
    password_again = forms.CharField(
        label=_("Password again"), max_length=128, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ReferralForm(forms.Form):
    name = forms.CharField(label=_("Customer's name"), max_length=80)
    phone = forms.CharField(
        label=_("Customer's mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    amount = forms.DecimalField(
        label=_("Amount wanted (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    consent = forms.BooleanField(
        label=_(
            "The customer has read the privacy notice below and agrees that the firm "
            "processes these details to arrange a loan."
        ),
        required=False,
    )
    notice_version = forms.CharField(
        max_length=40, required=False, widget=forms.HiddenInput
    )
