"""The order board (看板): one column per step of the chosen workflow, each with its
count and a first page; "more" loads the next page of one column (htmx)."""

from __future__ import annotations

from django.shortcuts import render

from lenddesk.orders import selectors
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.views.lists import filter_context, with_params
from lenddesk.web.access import StaffView
from lenddesk.web.params import int_or_none


def _workflow(request, choices):
    chosen = int_or_none(request.GET.get("workflow"))
    return next((w for w in choices if w.pk == chosen), choices[0] if choices else None)


class BoardView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
        context = filter_context(request, filters)
        workflow = _workflow(request, context["workflows"])
        columns = (
            selectors.board_columns(
                actor=request.user, workflow=workflow, filters=filters
            )
            if workflow
            else []
        )
        context.update(
            {
                "workflow": workflow,
                "columns": columns,
                "query": with_params(request.GET, workflow=workflow.pk)
                if workflow
                else "",
            }
        )
        return render(request, "orders/board.html", context)


class BoardColumnView(StaffView):
    """The next page of one column (the "more" button answers with it)."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
        workflow = _workflow(request, selectors.workflow_choices())
        key = (request.GET.get("key") or "")[:40]
        rows, next_before = (
            selectors.board_column(
                actor=request.user,
                workflow=workflow,
                key=key,
                filters=filters,
                before=int_or_none(request.GET.get("before")),
            )
            if workflow
            else ([], None)
        )
        column = {"key": key, "rows": rows, "next_before": next_before}
        params = request.GET.copy()
        params.pop("key", None)
        return render(
            request,
            "orders/_board_cards.html",
            {"column": column, "query": with_params(params)},
        )
