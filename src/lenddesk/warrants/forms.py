"""Page forms of the warrant centre; the services check the rules again."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.selectors import active_colleagues
from lenddesk.warrants.models import OriginalKind, WarrantKind
from lenddesk.warrants.selectors import handler_choices

LOCK_MAX = 2**31 - 1
RECEIVE_ROWS = 4


def local_input(value) -> str:
    """A datetime as a ``datetime-local`` input shows it."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _when(label, *, required=False, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )


class _Versioned(forms.Form):
    """A change to a task names the version it was made against. Several of these
    forms share the task page, so each has its own ids."""

    id_prefix = "task"
    lock_version = forms.IntegerField(
        min_value=1, max_value=LOCK_MAX, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.id_prefix + "_%s")
        super().__init__(*args, **kwargs)


class _Handled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handler_choices()


class TaskCreateForm(_Handled):
    kind = forms.ChoiceField(label=_("Task"), choices=WarrantKind.choices)
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=None, required=False, empty_label="—"
    )
    appointment_at = _when(_("Appointment"))
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TaskEditForm(_Versioned, _Handled):
    id_prefix = "edit"
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=None, required=False, empty_label="—"
    )
    appointment_at = _when(
        _("Appointment"), help_text=_("Leave empty while it is not booked yet.")
    )
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TaskDoneForm(_Versioned):
    id_prefix = "done"
    certificate_number = forms.CharField(
        label=_("Certificate or report number"), max_length=60
    )


class TaskCancelForm(_Versioned):
    id_prefix = "cancel"
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=500)


# --- custody ----------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    """One receipt (收件单): who brought the papers, where they go, and up to
    ``RECEIVE_ROWS`` papers (the first required)."""

    received_from = forms.CharField(label=_("Received from"), max_length=80)
    location = forms.CharField(label=_("Storage place"), max_length=80)
    receipt_number = forms.CharField(
        label=_("Receipt number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(RECEIVE_ROWS):
            first = n == 0
            self.fields["kind_%d" % n] = forms.ChoiceField(
                label=_("Paper %(n)d") % {"n": n + 1},
                choices=[("", "—"), *OriginalKind.choices],
                required=first,
            )
            self.fields["number_%d" % n] = forms.CharField(
                label=_("Number on the paper"), max_length=60, required=False
            )
            self.fields["holder_%d" % n] = forms.CharField(
                label=_("Holder named on it"), max_length=80, required=False
            )

    def clean(self):
        data = super().clean()
        for n in range(RECEIVE_ROWS):
            if data.get("kind_%d" % n) and not data.get("holder_%d" % n):
                self.add_error("holder_%d" % n, _("Name the holder of this paper."))
        return data

    def originals(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "kind": data["kind_%d" % n],
                "number": data.get("number_%d" % n, ""),
                "holder": data.get("holder_%d" % n, ""),
            }
            for n in range(RECEIVE_ROWS)
            if data.get("kind_%d" % n)
        ]


class CheckOutForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Check out to"), queryset=None)
    reason = forms.CharField(label=_("Why"), max_length=300)
    due_back_at = _when(_("Due back"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = active_colleagues()


class CheckInForm(forms.Form):
    location = forms.CharField(
        label=_("Storage place"),
        max_length=80,
        required=False,
        help_text=_("Leave empty to put it back where it was."),
    )
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)


class MoveForm(forms.Form):
    location = forms.CharField(label=_("New storage place"), max_length=80)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


class ReturnForm(forms.Form):
    returned_to = forms.CharField(label=_("Returned to"), max_length=80)
    receipt_scan = forms.FileField(
        label=_("Signed return receipt (scan)"),
        required=False,
        help_text=_(
            "JPG, PNG or PDF, at most 10 MB; kept in the customer's documents."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
