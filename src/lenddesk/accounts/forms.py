from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

username_validator = RegexValidator(
    r"^[A-Za-z0-9._@-]{2,80}$",
    _("Use 2–80 letters, digits or . _ - @ characters."),
)


class LoginForm(forms.Form):
    tenant = forms.SlugField(label=_("Firm code"), max_length=40)
    username = forms.CharField(label=_("Username"), max_length=80)
    password = forms.CharField(
        label=_("Password"), max_length=256, widget=forms.PasswordInput
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), max_length=256, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=_("New password"), max_length=256, widget=forms.PasswordInput
    )
    new_password_again = forms.CharField(
        label=_("New password again"), max_length=256, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get(
            "new_password_again"
        ):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class UserForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=80, validators=[username_validator]
    )
    display_name = forms.CharField(label=_("Name"), max_length=80)
    email = forms.EmailField(label=_("Email"), required=False)
    roles = forms.TypedMultipleChoiceField(
        label=_("Roles"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, role_choices=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.pk, r.name) for r in role_choices]
        if editing:
            self.fields["username"].disabled = True
            self.fields["username"].required = False


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("Initial password"),
        max_length=256,
        widget=forms.PasswordInput,
        help_text=_(
            "At least 8 characters with 3 of: lowercase, uppercase, digits, symbols."
        ),
    )
    active = forms.BooleanField(
        label=_("Active (uses a seat)"), required=False, initial=True
    )


class UserStatusForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("activate", "activate"), ("disable", "disable"), ("depart", "depart")]
    )
