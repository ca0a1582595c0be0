"""Page forms of performance: a task, its closing note, the KPI weights."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lenddesk.performance.catalogue import TARGET_METRICS, metric_label
from lenddesk.performance.kpi import CAP_MAX, CAP_MIN


class TaskForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_at = forms.DateTimeField(
        label=pgettext_lazy("task", "Due"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—")] + [(p.pk, str(p)) for p in people]


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class KpiForm(forms.Form):
    """One whole-percent weight per target metric, and the cap; the service checks
    the sum (its error lands on the form's top)."""

    cap_percent = forms.IntegerField(
        label=_("Cap on a metric's completion (%)"),
        min_value=CAP_MIN,
        max_value=CAP_MAX,
        help_text=_("Over-completion counts up to this rate, e.g. 120."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for metric in TARGET_METRICS:
            self.fields[metric] = forms.IntegerField(
                label=_("Weight: %(metric)s") % {"metric": metric_label(metric)},
                min_value=0,
                max_value=100,
                required=False,
            )
        self.order_fields([*TARGET_METRICS, "cap_percent"])
