from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.models import User
from lenddesk.audit.labels import OBJECT_TYPES, action_choices

RESULT_CHOICES = (
    ("", _("Any result")),
    ("ok", _("Succeeded")),
    ("refused", _("Refused")),
    ("failed", _("Failed")),
)


class AuditFilterForm(forms.Form):
    """Query-string filters of the audit log and its CSV export.

    Always bound (to ``request.GET``): every field is optional, so an empty query is a
    valid "everything" and a bad value is a field error, never a server error.
    """

    actor = forms.ModelChoiceField(
        label=_("Who"),
        queryset=None,  # set per request, inside the tenant scope
        required=False,
        empty_label=_("Anyone"),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=40, required=False)
    result = forms.ChoiceField(
        label=_("Result"), choices=RESULT_CHOICES, required=False
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    # Keyset cursors of the list page (sequence numbers); the export ignores them.
    before = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    after = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    FILTER_FIELDS = (
        "actor",
        "action",
        "object_type",
        "object_id",
        "result",
        "date_from",
        "date_to",
        "q",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Evaluated per request, inside the tenant's scope.
        self.fields["actor"].queryset = User.objects.order_by("username")
        self.fields["actor"].label_from_instance = _user_label
        self.fields["action"].choices = [("", _("Any action")), *action_choices()]
        self.fields["object_type"].choices = _object_type_choices()
        self.fields["q"].widget.attrs["placeholder"] = _("Object or reason contains")
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else ""
            field.widget.attrs["class"] = css or "form-control"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    @property
    def filters(self) -> dict[str, Any]:
        """The cleaned filters that are set (valid forms only)."""
        return {
            name: self.cleaned_data[name]
            for name in self.FILTER_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }


def _user_label(user: User) -> str:
    return "%s (%s)" % (user, user.username)


def _object_type_choices() -> list[tuple[str, str]]:
    """One choice per word: a word shared by two stored types keeps the first."""
    seen: dict[str, str] = {}
    for code, label in OBJECT_TYPES.items():
        seen.setdefault(str(label), code)
    return [
        ("", _("Any object")),
        *sorted(((c, w) for w, c in seen.items()), key=lambda item: item[1]),
    ]
