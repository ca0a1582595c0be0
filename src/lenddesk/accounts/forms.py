from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.validators import username_validator, validate_visible_text

MAX_NUMBER = 2_147_483_647


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
    display_name = forms.CharField(
        label=_("Name"), max_length=80, validators=[validate_visible_text]
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    id_number = forms.CharField(
        label=_("National ID number"), max_length=32, required=False
    )
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, required=False, empty_value=None
    )
    superior = forms.TypedChoiceField(
        label=_("Superior"), coerce=int, required=False, empty_value=None
    )
    roles = forms.TypedMultipleChoiceField(
        label=_("Roles"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        role_choices=(),
        departments=(),
        colleagues=(),
        editing=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.pk, r.name) for r in role_choices]
        self.fields["department"].choices = department_choices(departments)
        self.fields["superior"].choices = [("", "—")] + [
            (u.pk, str(u)) for u in colleagues
        ]
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


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


WEEKDAY_CHOICES = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
CLIENT_CHOICES = [("web", _("Web")), ("mobile", _("Mobile app")), ("api", _("API"))]


def department_choices(departments, *, blank: str = "—") -> list[tuple]:
    """Indented names so the tree reads in a select box."""
    return [("", blank)] + [
        (d.pk, "%s%s" % ("\u3000" * (d.depth - 1), d.name)) for d in departments
    ]


class DepartmentForm(forms.Form):
    name = forms.CharField(
        label=_("Department name"), max_length=80, validators=[validate_visible_text]
    )
    parent = forms.TypedChoiceField(
        label=_("Parent department"), coerce=int, required=False, empty_value=None
    )
    leader = forms.TypedChoiceField(
        label=_("Leader"), coerce=int, required=False, empty_value=None
    )
    sort = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=MAX_NUMBER, initial=0, required=False
    )

    def __init__(self, *args, departments=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = department_choices(
            departments, blank=_("(top level)")
        )
        self.fields["leader"].choices = [("", "—")] + [(u.pk, str(u)) for u in users]


class RoleForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40, required=False)
    name = forms.CharField(
        label=_("Role name"), max_length=60, validators=[validate_visible_text]
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        validators=[validate_visible_text],
    )
    codes = forms.MultipleChoiceField(
        label=_("Permissions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    data_scope = forms.ChoiceField(label=_("Data scope"))
    custom_departments = forms.TypedMultipleChoiceField(
        label=_("Chosen departments"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_clients = forms.MultipleChoiceField(
        label=_("Allowed clients"),
        choices=CLIENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every client."),
    )
    login_weekdays = forms.TypedMultipleChoiceField(
        label=_("Log-in weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day."),
    )
    login_start = forms.TimeField(
        label=_("Log-in from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    login_end = forms.TimeField(
        label=_("Log-in until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    allowed_networks = forms.CharField(
        label=_("Allowed IP ranges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. 10.0.0.0/8 or 203.0.113.7. Empty: anywhere."),
    )
    require_totp = forms.BooleanField(
        label=_("Require two-factor log-in"), required=False
    )

    def __init__(
        self,
        *args,
        creating=False,
        code_choices=(),
        scope_choices=(),
        departments=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = code_choices
        self.fields["data_scope"].choices = scope_choices
        self.fields["custom_departments"].choices = department_choices(departments)[1:]
        self.fields["key"].required = creating
        if not creating:
            self.fields["key"].disabled = True


class SecuritySettingsForm(forms.Form):
    idle_timeout_minutes = forms.IntegerField(
        label=_("Idle session timeout (minutes)"), min_value=5, max_value=720
    )
    lockout_failures = forms.IntegerField(
        label=_("Failed log-ins before lockout"), min_value=3, max_value=20
    )
    lockout_minutes = forms.IntegerField(
        label=_("Lockout length (minutes)"), min_value=1, max_value=1440
    )
    password_max_age_days = forms.IntegerField(
        label=_("Password rotation (days, 0 = never)"), min_value=0, max_value=365
    )
    password_history = forms.IntegerField(
        label=_("Previous passwords that cannot be reused"), min_value=0, max_value=24
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = [
            "Asia/Shanghai",
            "Asia/Hong_Kong",
            "Asia/Taipei",
            "Asia/Macau",
            "Asia/Urumqi",
            "UTC",
        ]
        self.fields["time_zone"].choices = [(z, z) for z in zones]


class DepartureForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("disabled", _("Disabled (may return)")), ("departed", _("Departed"))],
    )
    kind = forms.ChoiceField(
        label=_("Their customers, orders and tasks go to"),
        choices=[
            ("colleague", _("One colleague")),
            ("pool", _("The public pool")),
            ("round_robin", _("Shared round-robin over a team")),
        ],
        widget=forms.RadioSelect,
    )
    colleague = forms.TypedChoiceField(
        label=_("Colleague"), coerce=int, required=False, empty_value=None
    )
    department = forms.TypedChoiceField(
        label=_("Team"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, colleagues=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].choices = [("", "—")] + [
            (u.pk, str(u)) for u in colleagues
        ]
        self.fields["department"].choices = department_choices(departments)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"),
        choices=[("phone", _("Mobile phone")), ("id_number", _("National ID number"))],
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200, min_length=2)
