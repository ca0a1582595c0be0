"""API shapes of targets, completion, rankings and tasks. Numbers that may be money
travel as strings (``"12345.00"``; counts as ``"12"``), rates as strings in percent
with one decimal (``"85.0"``) or null."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from lenddesk.performance.catalogue import TARGET_METRICS
from lenddesk.performance.models import DepartmentTarget, PersonTarget, Task
from lenddesk.web.params import IdField

METRIC_CHOICES = list(TARGET_METRICS)


def as_text(value) -> str | None:
    if value is None:
        return None
    return str(value) if isinstance(value, Decimal) else str(int(value))


class PersonTargetSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    month = serializers.DateField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        model = PersonTarget
        fields = ["user", "month", "metric", "value"]


class DepartmentTargetSerializer(serializers.ModelSerializer):
    department = serializers.IntegerField(source="department_id")
    month = serializers.DateField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        model = DepartmentTarget
        fields = ["department", "month", "metric", "value"]


class TargetListSerializer(serializers.Serializer):
    month = serializers.DateField()
    people = PersonTargetSerializer(many=True)
    departments = DepartmentTargetSerializer(many=True)


class TargetCellInput(serializers.Serializer):
    user = IdField(required=False)
    department = IdField(required=False)
    metric = serializers.ChoiceField(choices=METRIC_CHOICES)
    value = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        max_length=24,
        help_text="A whole number for counts, yuan with at most two decimals for "
        "disbursed and fees; null or empty clears the target.",
    )

    def validate(self, attrs):
        if ("user" in attrs) == ("department" in attrs):
            raise serializers.ValidationError(_("Give either user or department."))
        return attrs


class TargetSetInput(serializers.Serializer):
    month = serializers.CharField(max_length=10, help_text="YYYY-MM")
    targets = TargetCellInput(many=True, max_length=2000, allow_empty=False)


class TargetSetResult(serializers.Serializer):
    set = serializers.IntegerField()
    cleared = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class CellSerializer(serializers.Serializer):
    target = serializers.CharField(allow_null=True)
    actual = serializers.CharField()
    rate = serializers.CharField(allow_null=True)
    url = serializers.CharField(help_text="The list behind the actual.")


def cells_data(metrics: dict) -> dict:
    return {
        code: {
            "target": as_text(cell["target"]),
            "actual": as_text(cell["actual"]),
            "rate": as_text(cell["rate"]),
            "url": cell["url"],
        }
        for code, cell in metrics.items()
    }


class CompletionRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["user", "department"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    department_id = serializers.IntegerField(allow_null=True)
    metrics = serializers.DictField(child=CellSerializer())


class CompletionSerializer(serializers.Serializer):
    month = serializers.DateField()
    by = serializers.CharField()
    rows = CompletionRowSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    kpi_score = serializers.CharField()
    rates = serializers.DictField(child=serializers.CharField(allow_null=True))
    metrics = serializers.DictField(child=CellSerializer())


class RankingSerializer(serializers.Serializer):
    month = serializers.DateField()
    by = serializers.CharField()
    weights = serializers.DictField(child=serializers.IntegerField())
    cap_percent = serializers.IntegerField()
    rows = RankingRowSerializer(many=True)


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.IntegerField(source="assignee_id")
    assignee_name = serializers.CharField(source="assignee.display_name")
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "due_at",
            "assignee",
            "assignee_name",
            "created_by",
            "status",
            "overdue",
            "done_at",
            "done_note",
            "created_at",
        ]


class TaskCreateInput(serializers.Serializer):
    assignee = IdField()
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    due_at = serializers.DateTimeField()


class TaskPatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["done"])
    note = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True
    )
