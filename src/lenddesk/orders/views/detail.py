"""One order's page: its terms, the flow as a progress bar, the move form, the step's
checklist and documents, the whole history and the sections other modules add; the
progress fragment the page refreshes, and the customer page's order slot."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.customers.models import DocumentKind
from lenddesk.customers.selectors import customer_get, customer_reachable
from lenddesk.orders import selectors
from lenddesk.orders.forms import MoveForm
from lenddesk.orders.models import MoveKind
from lenddesk.orders.panels import order_panels_for
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.services.conflicts import OrderConflict
from lenddesk.orders.services.moves import allowed_moves, order_move
from lenddesk.orders.services.orders import locked_fields
from lenddesk.orders.services.terms import fee_for
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors

DOCUMENT_LABELS = dict(DocumentKind.choices)
LOCK_LABELS = {
    "amount": gettext_lazy("Amount"),
    "term_months": gettext_lazy("Term"),
    "products": gettext_lazy("Products"),
    "fee": gettext_lazy("Service fee"),
    "processor": gettext_lazy("Processor"),
}


def progress_context(request, order) -> dict:
    steps = selectors.order_steps(order)
    return {
        "order": order,
        "steps": steps,
        "last_move": next(iter(selectors.order_history(order)[:1]), None),
    }


def detail_context(request, order, **extra) -> dict:
    actor = request.user
    customer = order.customer
    held = set(customer.documents.values_list("kind", flat=True))
    return {
        **progress_context(request, order),
        "customer": customer,
        "customer_link": customer_reachable(actor, customer),
        "lines": selectors.order_lines(order),
        "fee_example": fee_for(order, order.amount),
        "history": selectors.order_history(order),
        "moves": allowed_moves(actor, order) if actor.has_code(P.MOVE) else {},
        "move_form": extra.pop("move_form", None)
        or MoveForm(initial={"version": order.lock_version}),
        "documents": [
            {
                "kind": kind,
                "label": DOCUMENT_LABELS.get(kind, kind),
                "held": kind in held,
            }
            for kind in order.node.required_documents or []
        ],
        "locks": [str(LOCK_LABELS.get(name, name)) for name in locked_fields(order)],
        "panels": order_panels_for(request, order),
        "can_change": actor.has_code(P.CHANGE),
        **extra,
    }


class OrderDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, order_id):
        order = selectors.order_get(actor=request.user, order_id=order_id)
        return render(request, "orders/detail.html", detail_context(request, order))


class OrderProgressView(StaffView):
    """The progress bar and the current step, refreshed by the page every 20 s."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request, order_id):
        order = selectors.order_get(actor=request.user, order_id=order_id)
        return render(
            request, "orders/_progress.html", progress_context(request, order)
        )


class OrderMoveView(StaffView):
    permissions = {"POST": (P.MOVE,)}

    def post(self, request, order_id):
        order = selectors.order_get(actor=request.user, order_id=order_id)
        form = MoveForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                order_move(
                    actor=request.user,
                    order=order,
                    kind=data["kind"],
                    to_node=data["to_node"] or None,
                    comment=data["comment"],
                    expected_version=data["version"],
                )
            except OrderConflict as exc:
                messages.error(request, exc.messages[0])
                order = selectors.order_get(actor=request.user, order_id=order.pk)
                form = MoveForm(initial={"version": order.lock_version})
                status = 409
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _done(data["kind"]))
                return redirect("orders:detail", order_id=order.pk)
        context = detail_context(request, order, move_form=form)
        return render(request, "orders/detail.html", context, status=status)


def _done(kind: str) -> str:
    return {
        MoveKind.RETURN: _("Order returned."),
        MoveKind.CANCEL: _("Order cancelled."),
        MoveKind.COMPLETE: _("Order completed."),
    }.get(kind, _("Order moved on."))


class CustomerOrdersView(StaffView):
    """The customer page's slot: the customer's running orders with their progress
    (refreshed every 20 s) and the button that opens one."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request, customer_id):
        customer = customer_get(actor=request.user, customer_id=customer_id)
        return render(
            request,
            "orders/_customer_orders.html",
            {
                "customer": customer,
                "rows": selectors.customer_open_orders(
                    actor=request.user, customer_id=customer.pk
                ),
            },
        )
