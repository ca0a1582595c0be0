from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.modules import OPTIONAL_MODULES

MODULE_CHOICES = [
    (m.code, m.label if m.available else format_lazy(_("{} (coming soon)"), m.label))
    for m in OPTIONAL_MODULES
]


class OperatorLoginForm(forms.Form):
    username = forms.CharField(label=_("Operator username"), max_length=80)
    password = forms.CharField(
        label=_("Password"), max_length=256, widget=forms.PasswordInput
    )


class OperatorOtpForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class TenantPlanForm(forms.Form):
    name = forms.CharField(label=_("Firm name"), max_length=120)
    seats = forms.IntegerField(
        label=_("Seats"), min_value=1, max_value=100000, initial=10
    )
    modules = forms.MultipleChoiceField(
        label=_("Modules"),
        choices=MODULE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("M1 platform and M2 organisation are always included."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no expiry."),
    )


class TenantCreateForm(TenantPlanForm):
    slug = forms.RegexField(
        label=_("Firm code (slug)"),
        regex=r"^[a-z][a-z0-9-]{1,39}$",
        max_length=40,
        error_messages={
            "invalid": _(
                "Use 2–40 lowercase letters, digits or hyphens, starting with a letter."
            )
        },
    )
    admin_username = forms.RegexField(
        label=_("First administrator's username"),
        regex=r"^[A-Za-z0-9._@-]{2,80}$",
        max_length=80,
        error_messages={
            "invalid": _("Use 2–80 letters, digits or . _ - @ characters.")
        },
    )
    admin_display_name = forms.CharField(
        label=_("Administrator's name"), max_length=80, required=False
    )
    admin_password = forms.CharField(
        label=_("Administrator's initial password"),
        max_length=256,
        widget=forms.PasswordInput,
    )

    field_order = [
        "name",
        "slug",
        "seats",
        "modules",
        "expires_on",
        "admin_username",
        "admin_display_name",
        "admin_password",
    ]


class TenantStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("active", "active"), ("suspended", "suspended")]
    )
