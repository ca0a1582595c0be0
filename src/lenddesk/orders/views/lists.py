"""The order list (filters, sorting, counts, keyset pages) and the overdue list."""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.orders import selectors
from lenddesk.orders.models import OrderStatus
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.products.models import ProductType
from lenddesk.web.access import StaffView
from lenddesk.web.params import int_or_none

PAGING = ("before", "cursor")
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("amount_desc", _("Highest amount first")),
    ("amount_asc", _("Lowest amount first")),
]
STATUS_TABS = [
    ("open", _("In progress")),
    ("completed", _("Completed")),
    ("cancelled", _("Cancelled")),
    ("all", _("All")),
]
FILTER_LABELS = {
    "status": _("Status"),
    "workflow": _("Workflow"),
    "owner": _("Owner"),
    "funder": _("Funder"),
    "customer": _("Customer"),
    "product_type": _("Product type"),
}


def with_params(params, **changes) -> str:
    """The page's query string without its page cursor, with ``changes`` applied."""
    query = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
    for name in PAGING:
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


def filter_context(request, filters) -> dict:
    """What the filter bar of the list and the board offers this person."""
    actor = request.user
    return {
        "filters": filters,
        "workflows": selectors.workflow_choices(),
        "owners": selectors.owner_choices(actor=actor),
        "funders": selectors.funder_choices(),
        "product_types": ProductType.choices,
        "ignored": [str(FILTER_LABELS.get(n, n)) for n in filters.ignored],
    }


class OrderListView(StaffView):
    permissions = {"GET": (P.VIEW,)}
    title = _("Orders")
    overdue_only = False

    def get(self, request):
        params = request.GET.copy()
        if self.overdue_only:
            params["overdue"] = "1"
        filters = selectors.filters_from(params, default_status=OrderStatus.OPEN)
        sort = params.get("sort") if params.get("sort") in dict(SORT_CHOICES) else ""
        rows, next_cursor = selectors.order_list(
            actor=request.user,
            filters=filters,
            before=int_or_none(params.get("before")),
            sort=sort or "newest",
            cursor=params.get("cursor", ""),
        )
        paging = "cursor" if sort and sort != "newest" else "before"
        context = {
            "rows": rows,
            "now": timezone.now(),
            "next_page": with_params(params, **{paging: next_cursor})
            if next_cursor
            else "",
        }
        more = request.htmx and (params.get("before") or params.get("cursor"))
        if more:
            return render(request, "orders/_rows.html", context)
        context.update(filter_context(request, filters))
        counts = selectors.status_counts(actor=request.user, filters=filters)
        context.update(
            {
                "title": self.title,
                "overdue_only": self.overdue_only,
                "sort": sort or "newest",
                "sort_choices": SORT_CHOICES,
                "status_tabs": [
                    (value, label, counts.get(value, 0)) for value, label in STATUS_TABS
                ],
                "counts": counts,
                "total": selectors.capped_count(
                    selectors.orders_filtered(request.user, filters)
                ),
                "tab_query": with_params(params, status=""),
                "query": with_params(params),
            }
        )
        return render(request, "orders/list.html", context)


class OverdueListView(OrderListView):
    title = _("Overdue orders")
    overdue_only = True
