"""Forms of the workflow editor. The services check everything again; the forms give
the fields their labels, bounds and Chinese errors next to the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.models import DocumentKind
from lenddesk.orders.models import NodeKind
from lenddesk.orders.workflows import (
    CHECKLIST_LINE_LENGTH,
    LOCKABLE_FIELDS,
    MAX_CHECKLIST_LINES,
    NOTE_LENGTH,
    SLA_MAX_HOURS,
)
from lenddesk.products.models import ProductType

KEY_HINT = _("Lower-case letters, digits, - or _ (e.g. mianqian); unique in the flow.")


class WorkflowCreateForm(forms.Form):
    name = forms.CharField(label=_("Flow name"), max_length=60)
    key = forms.SlugField(
        label=_("Key"),
        max_length=40,
        help_text=_("Lower-case letters, digits, - or _ (e.g. refinance)."),
    )
    product_types = forms.MultipleChoiceField(
        label=_("Used for product types"),
        choices=ProductType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class NodeForm(forms.Form):
    """A step's settings. ``adding`` shows the kind and leaves the key optional; an
    end step has only its name and key."""

    name = forms.CharField(label=_("Step name"), max_length=40)
    key = forms.SlugField(label=_("Key"), max_length=40, help_text=KEY_HINT)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(NodeKind.STEP, _("Step")), (NodeKind.END, _("End of the flow"))],
    )
    role_key = forms.ChoiceField(label=_("Responsible role"), required=False)
    sla_hours = forms.IntegerField(
        label=_("Time limit (hours)"),
        min_value=1,
        max_value=SLA_MAX_HOURS,
        required=False,
        help_text=_("Empty: no time limit."),
    )
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_CHECKLIST_LINES * (CHECKLIST_LINE_LENGTH + 2),
        help_text=_("One item a line."),
    )
    can_return = forms.BooleanField(
        label=_("May return to an earlier step"), required=False
    )
    can_cancel = forms.BooleanField(label=_("May be cancelled here"), required=False)
    locked_fields = forms.MultipleChoiceField(
        label=_("Locked from this step on"),
        choices=list(LOCKABLE_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, roles: dict[str, str], adding=False, end=False, **kw):
        super().__init__(*args, **kw)
        self.fields["role_key"].choices = [("", "—"), *roles.items()]
        if adding:
            self.fields["key"].required = False
            self.fields["key"].help_text = _("Empty: one is made up for you.")
        else:
            del self.fields["kind"]
        if end:
            for name in (
                "role_key",
                "sla_hours",
                "required_documents",
                "checklist",
                "can_return",
                "can_cancel",
                "locked_fields",
            ):
                del self.fields[name]

    def clean_checklist(self) -> list[str]:
        text = self.cleaned_data.get("checklist") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


def node_initial(node) -> dict:
    """The form's values of an existing step."""
    return {
        "name": node.name,
        "key": node.key,
        "role_key": node.role_key,
        "sla_hours": node.sla_hours,
        "required_documents": node.required_documents,
        "checklist": "\n".join(node.checklist),
        "can_return": node.can_return,
        "can_cancel": node.can_cancel,
        "locked_fields": node.locked_fields,
    }


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed"), max_length=NOTE_LENGTH, required=False
    )
