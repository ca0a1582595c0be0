"""The performance API (``/api/v1/performance/…``): targets to read and set in bulk,
completion, rankings, tasks. Same services and selectors as the pages; errors in
the one shape (``ERROR_SCHEMA``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from lenddesk.performance import selectors
from lenddesk.performance.catalogue import TARGET_METRICS, month_of, this_month
from lenddesk.performance.kpi import kpi_scheme
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.serializers import (
    CompletionSerializer,
    DepartmentTargetSerializer,
    PersonTargetSerializer,
    RankingSerializer,
    TargetListSerializer,
    TargetSetInput,
    TargetSetResult,
    TaskCreateInput,
    TaskPatchInput,
    TaskSerializer,
    as_text,
    cells_data,
)
from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.performance.services.tasks import task_create, task_done
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.params import int_or_none

TAGS = ["performance"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE = 50
MONTH = OpenApiParameter("month", str, description="YYYY-MM (default: this month)")
DEPARTMENT_PARAM = OpenApiParameter(
    "department", int, description="a department and everything below it"
)


class PerformanceAPIView(TenantAPIView):
    module = "performance"


def _month(params):
    raw = params.get("month")
    return month_of(raw) if raw else this_month()


class TargetListAPI(PerformanceAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.TARGETS,)}

    @extend_schema(
        parameters=[MONTH, DEPARTMENT_PARAM],
        responses={200: TargetListSerializer, **ERRORS},
        operation_id="performance_targets_list",
        tags=TAGS,
        description="The month's targets the caller may see: people's within the "
        "data scope, departments' the caller manages.",
    )
    def get(self, request):
        month = _month(request.query_params)
        people, departments = selectors.target_rows(
            request.user,
            month=month,
            department_id=int_or_none(request.query_params.get("department")),
        )
        return Response(
            {
                "month": month,
                "people": PersonTargetSerializer(people, many=True).data,
                "departments": DepartmentTargetSerializer(departments, many=True).data,
            }
        )

    @extend_schema(
        request=TargetSetInput,
        responses={200: TargetSetResult, **ERRORS},
        operation_id="performance_targets_set",
        tags=TAGS,
        description="Set many targets of one month at once (null clears one). "
        "Nothing is stored when any cell is refused; a refused cell is named "
        "``u<user id>__<metric>`` or ``d<department id>__<metric>``. A person or "
        "department the caller does not manage answers 403.",
    )
    def post(self, request):
        data = TargetSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        cells = {}
        for cell in data.validated_data["targets"]:
            kind = PERSON if "user" in cell else DEPARTMENT
            cells[(kind, cell[kind], cell["metric"])] = cell["value"]
        counts = targets_save(
            actor=request.user, month=data.validated_data["month"], cells=cells
        )
        return Response(counts)


class CompletionAPI(PerformanceAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        parameters=[
            MONTH,
            DEPARTMENT_PARAM,
            OpenApiParameter("by", str, enum=["user", "department"]),
        ],
        responses={200: CompletionSerializer, **ERRORS},
        operation_id="performance_completion",
        tags=TAGS,
        description="Target against actual per person or department; each actual "
        "equals the count of the list at its ``url``.",
    )
    def get(self, request):
        params = request.query_params
        month = _month(params)
        by = "department" if params.get("by") == "department" else "user"
        rows = selectors.completion(
            request.user,
            month=month,
            department_id=int_or_none(params.get("department")),
            by=by,
        )
        return Response(
            {
                "month": month,
                "by": by,
                "rows": [
                    {
                        "kind": r["kind"],
                        "id": r["id"],
                        "name": r["name"],
                        "department": r["department"],
                        "department_id": r["department_id"],
                        "metrics": cells_data(r["metrics"]),
                    }
                    for r in rows
                ],
            }
        )


class RankingAPI(PerformanceAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        parameters=[
            MONTH,
            DEPARTMENT_PARAM,
            OpenApiParameter("by", str, enum=["kpi", *TARGET_METRICS]),
        ],
        responses={200: RankingSerializer, **ERRORS},
        operation_id="performance_ranking",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        month = _month(params)
        by = params.get("by", "kpi")
        by = by if by in TARGET_METRICS else "kpi"
        rows = selectors.ranking(
            request.user,
            month=month,
            department_id=int_or_none(params.get("department")),
            by=by,
        )
        weights, cap = kpi_scheme()
        return Response(
            {
                "month": month,
                "by": by,
                "weights": weights,
                "cap_percent": cap,
                "rows": [
                    {
                        "rank": r["rank"],
                        "user_id": r["user_id"],
                        "name": r["name"],
                        "department": r["department"],
                        "kpi_score": as_text(r["kpi_score"]),
                        "rates": {m: as_text(v) for m, v in r["rates"].items()},
                        "metrics": cells_data(r["metrics"]),
                    }
                    for r in rows
                ],
            }
        )


class TaskListAPI(PerformanceAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.TASKS,)}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["open", "done"]),
            OpenApiParameter("assignee", int),
            OpenApiParameter("due", str, enum=["overdue", "today", "week"]),
            OpenApiParameter("mine", bool, description="only my own tasks"),
            OpenApiParameter("before", int, description="cursor: the last id"),
        ],
        responses={200: cursor_page("TaskPage", TaskSerializer), **ERRORS},
        operation_id="performance_tasks_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        rows = selectors.task_list(
            request.user,
            status=params.get("status", ""),
            assignee_id=int_or_none(params.get("assignee")),
            due=params.get("due", ""),
            mine=params.get("mine") in ("1", "true"),
        ).order_by("-id")
        before = int_or_none(params.get("before"))
        if before is not None:
            rows = rows.filter(pk__lt=before)
        found = list(rows[: PAGE + 1])
        more = len(found) > PAGE
        found = found[:PAGE]
        return Response(
            {
                "results": TaskSerializer(found, many=True).data,
                "next_before": found[-1].pk if more else None,
            }
        )

    @extend_schema(
        request=TaskCreateInput,
        responses={201: TaskSerializer, **ERRORS},
        operation_id="performance_tasks_create",
        tags=TAGS,
        description="Assign a task to someone the caller manages.",
    )
    def post(self, request):
        data = TaskCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task = task_create(
            actor=request.user,
            assignee_id=values["assignee"],
            title=values["title"],
            description=values["description"],
            due_at=values["due_at"],
        )
        task = selectors.task_get(request.user, task_id=task.pk)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailAPI(PerformanceAPIView):
    permissions = {"GET": (P.VIEW,), "PATCH": (P.VIEW,)}

    @extend_schema(
        responses={200: TaskSerializer, **ERRORS},
        operation_id="performance_tasks_get",
        tags=TAGS,
    )
    def get(self, request, task_id: int):
        task = selectors.task_get(request.user, task_id=task_id)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        request=TaskPatchInput,
        responses={200: TaskSerializer, **ERRORS},
        operation_id="performance_tasks_done",
        tags=TAGS,
        description='Mark the task done: ``{"status": "done", "note": "…"}`` '
        "(the assignee or a manager holding performance.tasks).",
    )
    def patch(self, request, task_id: int):
        task = selectors.task_get(request.user, task_id=task_id)
        data = TaskPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_done(
            actor=request.user, task=task, note=data.validated_data["note"]
        )
        return Response(TaskSerializer(task).data)
